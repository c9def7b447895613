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
  tokensDetail: 'Last answer: {0} prompt + {1} completion = {2} tokens',
  tooLong: 'The message is too long ({0} characters; the limit is {1}).',
  // Transcript
  conversation: 'Conversation',
  you: 'You',
  assistant: 'MCP Agent',
  working: 'Working…',
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
  toolStarted: 'Running tool {0}',
  toolFinished: 'Tool {0} finished',
  toolFailedAnnounce: 'Tool {0} failed',
  showMore: 'Show more ({0} more characters)',
  showAll: 'Show all',
  // Approvals
  approvalCommand: 'Run this command?',
  approvalTool: 'Allow this tool call?',
  approvalConfig: 'Allow this configuration change?',
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
