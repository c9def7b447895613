/**
 * The ports through which the agent core reaches the outside world. The core (src/core) never imports
 * `vscode`; the extension (src/vscode) and the CLI (src/cli) each implement these with their own APIs.
 */

export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that drops everything: for tests and for callers that do not care. */
export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Files and text search over the user's workspace. */
export interface Workspace {
  /** Absolute path of the workspace root (the CLI: the current directory or --workspace). */
  readonly root: string;
  /** Text of a file, including unsaved editor changes where the front has them. Paths may be relative to root. */
  readFile(path: string): Promise<string>;
  /**
   * Creates or replaces a text file with exactly `content`, all or nothing (the CLI: an atomic rename; VS Code: a
   * WorkspaceEdit, so the editor's undo covers it). The path must stay inside the workspace by its real path.
   */
  writeFile(path: string, content: string): Promise<void>;
}

export interface CommandOutput {
  exitCode: number | null;
  /** Combined stdout and stderr, already capped head and tail by the runner. */
  output: string;
  timedOut: boolean;
  /** Set when the runner had to fall back (e.g. no shell integration) and wants the model and user to know. */
  note?: string;
}

/** How one command runs. */
export interface CommandRunOptions {
  /** Absolute, a real directory inside the workspace: the process's or terminal's working directory, never command text. */
  cwd: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Environment variables the command must not inherit (the agent's key, tokens, input values). */
  hideEnv?: string[];
}

/** Runs a shell command line: a child process in the CLI, a visible terminal in VS Code. */
export interface CommandRunner {
  run(command: string, options: CommandRunOptions): Promise<CommandOutput>;
  /**
   * The shell that will parse the next command line (a path or a name such as `bash`, `fish`, `pwsh`), so the
   * command policy judges the words that shell will see. Undefined: unknown, and only plain word lists are allowed.
   */
  shell?(): string | undefined;
}

/** What needs a yes from the user before it runs. */
export interface ApprovalRequest {
  /**
   * `command` for run_command, `tool` for an MCP tool, `edit` for the edit tools (with `change`), `config-write` for
   * writes to the agent's own configuration.
   */
  kind: 'command' | 'tool' | 'edit' | 'config-write';
  /** Namespaced tool name as the model sees it. */
  tool: string;
  /** Server name for MCP tools. */
  server?: string;
  /** One line a human can judge: the exact command, or the tool and its arguments. */
  summary: string;
  /** Full arguments. */
  args: unknown;
  /** For edit_file / write_file: the file's change, to review as a diff before it is made. */
  change?: FileChange;
  /** The tool call this is about (the id the model gave it), so a front can put the question on that call's card. */
  callId?: string;
  /** For run_command: the directory it runs in, resolved (absolute), so the person sees where. */
  cwd?: string;
  /** Why the policy asks (not on the allow list, an option that runs code, a protected file). */
  reason?: string;
}

/** One file's proposed new content. */
export interface FileChange {
  /** Workspace-relative, with forward slashes. */
  path: string;
  /** Current text; undefined when the file is created. */
  before?: string;
  after: string;
  /** Unified diff for people, control characters made visible. */
  diff: string;
}

export type ApprovalDecision = 'allow' | 'deny' | 'always';

export interface Approver {
  request(req: ApprovalRequest, signal?: AbortSignal): Promise<ApprovalDecision>;
}

/** Approves or denies everything, as asked; for tests and embedding. */
export function fixedApprover(decision: ApprovalDecision): Approver {
  return { request: async () => decision };
}

/**
 * No one to ask: `--yes` approves everything except writes to the agent's own configuration, which need a person's
 * explicit yes; without `--yes` everything that needs approval is denied (and the model is told).
 */
export function unattendedApprover(yes: boolean): Approver {
  return { request: async (req) => (yes && req.kind !== 'config-write' ? 'allow' : 'deny') };
}

export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}
