/**
 * Every label the webview shows, in English. The host may send `strings` (translated, same keys) and those win;
 * a key the host does not send keeps its English text. Placeholders are `{0}`, `{1}`, ...
 */
export const DEFAULT_STRINGS = {
  // Toolbar
  newChat: 'New chat',
  history: 'History',
  historyTitle: 'Chat history',
  historyFilter: 'Filter conversations',
  historyEmpty: 'No conversations yet',
  historyNoMatch: 'No conversation matches',
  historyMessages: '{0} messages',
  historyOpen: 'Open {0}',
  historyDelete: 'Delete conversation',
  historyDeleteConfirm: 'Click again to delete',
  historyBusy: 'Stop the running answer to open another conversation',
  current: 'Current',
  close: 'Close',
  // Servers
  servers: 'MCP servers',
  serversNone: 'No servers',
  serversSummary: 'MCP servers: {0} connected, {1} starting, {2} with errors',
  serverConnected: 'Connected',
  serverStarting: 'Starting',
  serverError: 'Error',
  serverIdle: 'Idle',
  serverStopped: 'Stopped',
  serverUntrusted: 'Not started: waiting for your trust',
  serverTrustNamed: 'Review and trust {0}…',
  serversUntrusted: '{0} workspace servers wait for your trust',
  serverTools: '{0} tools',
  serverRestart: 'Restart',
  serverRestartNamed: 'Restart {0}',
  serverLogs: 'Show logs',
  serverLogsNamed: 'Show logs of {0}',
  serversRestartAll: 'Restart all',
  serversManage: 'Manage servers',
  serversEmptyHint: 'No MCP servers are configured. Add them in .vscode/mcp.json or the mcpAgent.servers setting.',
  // Welcome
  welcomeTitle: 'MCP Agent',
  welcomeBody: 'Ask about your code, or let the agent use the tools of your MCP servers. Tool calls that change things ask for your approval first.',
  // Composer
  inputLabel: 'Message MCP Agent',
  inputPlaceholder: 'Ask MCP Agent…',
  inputHint: 'Enter sends, Shift+Enter adds a new line.',
  send: 'Send',
  stop: 'Stop',
  model: 'Model: {0}',
  noModel: 'No model configured',
  tokens: '{0} tokens',
  contextMeter: '{0}%',
  contextUsed: '{0} of {1} tokens',
  contextLabel: 'Context window use',
  contextDetail: 'Context window {0} tokens ({1}). Last request: system {2}, tools {3}, conversation {4}, tool results {5}',
  contextSummarized: 'The {0} oldest messages are summarized for the model; you still see them all.',
  compact: 'Compact conversation: summarize it for the model (you keep every message)',
  tokensDetail: 'Last answer: {0} prompt + {1} completion = {2} tokens',
  totalsDetail: 'This conversation: {0} tokens in ({1} from the prompt cache), {2} out, over {3} turns',
  totalsCost: 'Cost at llm.pricing: {0}',
  toolImage: 'Image {0} from the tool',
  imageChip: 'Picture: {0} (goes with the message to a model that sees images)',
  imageTooMany: 'At most {0} pictures go with one message.',
  tooLong: 'The message is too long ({0} characters; the limit is {1}).',
  // Transcript
  conversation: 'Conversation',
  you: 'You',
  assistant: 'MCP Agent',
  working: 'Working…',
  thinking: 'Thinking…',
  thought: 'Thinking',
  instructionsInUse: 'Instructions in use: {0}',
  instructionsSettings: 'your settings (mcpAgent.instructions)',
  stopped: 'Stopped.',
  roundCap: 'Stopped after the maximum number of tool rounds.',
  copyMessage: 'Copy answer',
  copied: 'Copied',
  scrollToBottom: 'Scroll to the latest message',
  answerDone: 'Answer complete.',
  // Code blocks
  copyCode: 'Copy',
  insertCode: 'Insert at cursor',
  codeLabel: 'Code block: {0}',
  plainText: 'text',
  image: 'Image: {0}',
  // Tool cards
  toolCall: 'Tool call {0}',
  toolRunning: 'Running',
  toolDone: 'Done',
  toolFailed: 'Failed',
  toolCancelled: 'Cancelled',
  toolWaiting: 'Waiting for approval',
  toolArguments: 'Arguments',
  toolResult: 'Result',
  toolError: 'Error',
  toolNoArguments: 'No arguments',
  toolEmptyResult: '(empty result)',
  toolTruncated: 'The model saw a shortened version of this result.',
  toolCopyResult: 'Copy result',
  restoreHere: 'Restore to here',
  restoreHereHint: 'Put the workspace back as it was before this message (shows the files first)',
  queued: 'Queued',
  queuedList: 'Queued messages',
  queuedEdit: 'Edit queued message',
  queuedRemove: 'Remove queued message',
  queueSend: 'Queue message (sent when the answer ends)',
  toolOpenFile: 'Open {0}',
  toolStarted: 'Running tool {0}',
  toolFinished: 'Tool {0} finished',
  toolFailedAnnounce: 'Tool {0} failed',
  showMore: 'Show more ({0} more characters)',
  showAll: 'Show all',
  // Approvals
  approvalCommand: 'Run this command?',
  approvalTool: 'Allow this tool call?',
  approvalConfig: 'Allow this configuration change?',
  approvalEdit: 'Apply this change?',
  approvalApply: 'Apply',
  approvalReviewDiff: 'Review in diff editor',
  approvalRun: 'Run',
  approvalSkip: 'Skip',
  approvalAlways: 'Always allow',
  approvalAlwaysHint: 'Allow this tool from now on without asking',
  approvalAllowed: 'Allowed',
  approvalDenied: 'Skipped',
  approvalAlwaysDone: 'Always allowed',
  approvalCancelled: 'Cancelled',
  approvalAnnounce: 'Approval needed: {0}',
  approvalDetails: 'Full arguments',
  // Server requests (sampling, elicitation)
  requestFrom: 'from {0}',
  samplingTitle: 'A server asks the model',
  samplingSystemPrompt: 'System prompt',
  samplingModel: 'Model: {0}',
  samplingHints: 'Server prefers: {0}',
  samplingMaxTokens: 'Max tokens: {0}',
  samplingTemperature: 'Temperature: {0}',
  samplingPriorities: 'Priorities: {0}',
  samplingContextNote: 'The server asked for context ({0}); none is sent.',
  samplingImage: '[image: {0}, {1}]',
  samplingAudio: '[audio: {0}, {1}]',
  samplingUser: 'User',
  samplingAssistant: 'Assistant',
  samplingApprove: 'Approve',
  samplingDeny: 'Deny',
  samplingTrust: 'Trust this server for sampling',
  samplingTrustHint: 'Answer this server\'s sampling requests from now on without asking (in this workspace)',
  reviewTitle: 'Review the answer before it goes back',
  reviewSend: 'Send',
  reviewDiscard: 'Discard',
  reviewStopReason: 'Stop reason: {0}',
  elicitationTitle: 'A server asks for input',
  elicitationUrlTitle: 'A server asks you to open a link',
  elicitationAccept: 'Accept',
  elicitationDecline: 'Decline',
  elicitationCancel: 'Cancel',
  elicitationOpen: 'Open',
  elicitationNotOpenable: 'Only http and https links can be opened.',
  elicitationLinkTo: 'Goes to {0}',
  fieldRequired: 'required',
  fieldChoose: '— choose —',
  fieldErrorRequired: 'This field is required.',
  fieldErrorNumber: 'Enter a number.',
  fieldErrorInteger: 'Enter a whole number.',
  fieldErrorMin: 'Must be at least {0}.',
  fieldErrorMax: 'Must be at most {0}.',
  fieldErrorMinLength: 'At least {0} characters.',
  fieldErrorMaxLength: 'At most {0} characters.',
  fieldErrorEmail: 'Enter an email address, e.g. name@example.com.',
  fieldErrorUri: 'Enter a URI, e.g. https://example.com.',
  fieldErrorDate: 'Enter a date as YYYY-MM-DD.',
  fieldErrorMinItems: 'Choose at least {0}.',
  fieldErrorMaxItems: 'Choose at most {0}.',
  fieldRange: '{0} to {1}',
  fieldMin: 'at least {0}',
  fieldMax: 'at most {0}',
  requestApproved: 'Approved',
  requestTrusted: 'Approved; this server is trusted for sampling',
  requestDenied: 'Denied',
  requestSent: 'Sent to the server',
  requestDiscarded: 'Discarded',
  requestAccepted: 'Sent to the server',
  requestDeclined: 'Declined',
  requestCancelled: 'Cancelled',
  requestOpened: 'Opened',
  requestFailed: 'Failed',
  requestAnnounce: '{0} asks: {1}',
  // Resources (@) and prompts (/)
  attachResource: 'Attach a resource',
  resourcesTitle: 'Resources',
  promptsTitle: 'Prompts',
  pickerLoading: 'Loading…',
  pickerEmptyResources: 'No resources: no connected server offers any.',
  pickerEmptyPrompts: 'No prompts: no connected server offers any.',
  pickerNoMatch: 'Nothing matches',
  pickerTemplate: 'template',
  pickerHint: '↑↓ to choose, Enter to pick, Esc to close',
  templateAttach: 'Attach',
  promptRun: 'Run',
  promptArguments: 'Arguments of {0}',
  removeAttachment: 'Remove {0}',
  attachments: 'Attached resources',
  watchedChanged: 'changed',
  watchedChangedTitle: '{0} ({1}) changed since it was attached: its current contents go with your next message',
  watchedDismiss: 'Do not send the change of {0}',
  watchedList: 'Attached resources that changed',
  // Banners and actions
  dismiss: 'Dismiss',
  actionSetApiKey: 'Set API Key',
  actionOpenSettings: 'Open Settings',
  actionShowLogs: 'Show Logs',
  actionShowServers: 'Show Servers',
  actionRestartServers: 'Restart Servers',
  actionRetry: 'Retry',
  restricted: 'Restricted Mode: workspace MCP servers, commands and settings are off until you trust this folder.',
  // Relative times
  justNow: 'just now',
} as const;

export type StringKey = keyof typeof DEFAULT_STRINGS;

let overrides: Record<string, string> = {};

/** Takes the host's translated strings; only string values for known keys are kept. */
export function setStrings(strings: Record<string, unknown>): void {
  const next: Record<string, string> = {};
  for (const [key, value] of Object.entries(strings)) {
    if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(DEFAULT_STRINGS, key)) next[key] = value;
  }
  overrides = next;
}

/** The label for `key`, with `{0}`, `{1}`... replaced by `args`. */
export function t(key: StringKey, ...args: Array<string | number>): string {
  const template = overrides[key] ?? DEFAULT_STRINGS[key];
  return args.length ? template.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m)) : template;
}

/** Translated labels the host put in the page (`chatHtml`), applied before any component draws one. */
function embeddedStrings(): void {
  const text = typeof document === 'undefined' ? null : document.getElementById('mcp-agent-strings')?.textContent;
  if (!text) return;
  try {
    setStrings(JSON.parse(text) as Record<string, unknown>);
  } catch {
    // A malformed block: the English labels stay.
  }
}
embeddedStrings();
