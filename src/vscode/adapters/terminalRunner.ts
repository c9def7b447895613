/**
 * run_command in a visible "MCP Agent" terminal through shell integration: the user sees the command run, the
 * agent gets its output (OSC 633 markers stripped) and exit code. When shell integration does not come up within a
 * few seconds, the command runs as a child process instead, and the result says so.
 *
 * The working directory is the terminal's own (set when it is created), never text typed into it: a terminal is reused
 * only while its shell reports that directory, or while it has run nothing yet. The terminal's environment unsets the
 * agent's secret variables. `shell()` reports the shell that will parse the line, so the command policy judges
 * what that shell will see.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { defaultShell, shellKind } from '../../core/agent/shells';
import type { CommandOutput, CommandRunner, CommandRunOptions, Logger } from '../../core/ports';
import { NodeCommandRunner } from '../../core/tools/nodeCommandRunner';
import { HeadTailBuffer } from '../../core/tools/truncate';

const SHELL_INTEGRATION_WAIT_MS = 5000;
const MAX_OUTPUT_CHARS = 48_000;

export class TerminalCommandRunner implements CommandRunner, vscode.Disposable {
  private terminal?: vscode.Terminal;
  /** The directory the terminal was created in, whether it has run a command, and the variables it unsets. */
  private terminalState?: { cwd: string; used: boolean; hidden: Set<string> };
  private readonly fallback = new NodeCommandRunner({ maxOutputChars: MAX_OUTPUT_CHARS });
  private readonly disposables: vscode.Disposable[] = [];
  /** One command at a time in the terminal; parallel calls queue. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly logger: Logger) {
    this.disposables.push(vscode.window.onDidCloseTerminal((t) => t === this.terminal && (this.terminal = undefined)));
  }

  run(command: string, options: CommandRunOptions): Promise<CommandOutput> {
    const next = this.queue.then(() => this.runNow(command, options));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * The shell of the terminal the next command goes to: what VS Code detected in it, else the shell it was created
   * with, else the default terminal profile's. Undefined when none says (then only plain word lists run unasked).
   */
  shell(): string | undefined {
    const t = this.terminal && this.terminal.exitStatus === undefined ? this.terminal : undefined;
    // The command may go to this terminal or to a new one (another directory): judge for the stricter of the two.
    const created = t && 'shellPath' in t.creationOptions ? t.creationOptions.shellPath : undefined;
    const candidates = [t?.state.shell ?? created, defaultProfileShell()].filter((s): s is string => !!s);
    return candidates.find((s) => shellKind(s) !== 'posix') ?? candidates[0];
  }

  private async runNow(command: string, options: CommandRunOptions): Promise<CommandOutput> {
    const terminal = this.ensureTerminal(options.cwd, options.hideEnv ?? []);
    terminal.show(true);
    const integration = terminal.shellIntegration ?? (await waitForShellIntegration(terminal, SHELL_INTEGRATION_WAIT_MS));
    if (!integration) {
      this.logger.info('shell integration did not start; running the command as a child process');
      const out = await this.fallback.run(command, options);
      return { ...out, note: 'Shell integration is not available in the terminal, so the command ran as a background process instead.' };
    }
    if (this.terminalState) this.terminalState.used = true;
    return this.runIntegrated(integration, command, options);
  }

  private async runIntegrated(integration: vscode.TerminalShellIntegration, command: string, options: CommandRunOptions): Promise<CommandOutput> {
    const execution = integration.executeCommand(command);
    const buffer = new HeadTailBuffer(MAX_OUTPUT_CHARS);
    let settled = false;
    return new Promise<CommandOutput>((resolve) => {
      const finish = (out: CommandOutput) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        endListener.dispose();
        options.signal?.removeEventListener('abort', onAbort);
        resolve(out);
      };
      const reading = (async () => {
        for await (const data of execution.read()) buffer.push(stripTerminalSequences(data));
      })().catch(() => undefined);
      const endListener = vscode.window.onDidEndTerminalShellExecution((e) => {
        if (e.execution !== execution) return;
        // The stream ends just after the end event; wait for it so no output is lost.
        void reading.then(() => finish({ exitCode: e.exitCode ?? null, output: buffer.text(), timedOut: false }));
      });
      // A command that exits the shell itself never reports an end: every execution has a timeout.
      const timer = setTimeout(() => {
        this.interrupt();
        finish({ exitCode: null, output: buffer.text(), timedOut: true });
      }, options.timeoutMs);
      const onAbort = () => {
        this.interrupt();
        finish({ exitCode: null, output: buffer.text(), timedOut: false, note: 'Cancelled.' });
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Ctrl-C to the terminal's foreground command. */
  private interrupt(): void {
    this.terminal?.sendText('\u0003', false);
  }

  /**
   * A terminal whose shell is in `cwd` and that unsets every name in `hide`. The open one is reused only when its shell
   * reports that directory (or it has run nothing yet) and it already unsets those names; otherwise a new one starts
   * there, so the directory is never typed into the line.
   */
  private ensureTerminal(cwd: string, hide: string[]): vscode.Terminal {
    const t = this.terminal;
    const state = this.terminalState;
    if (t && state && t.exitStatus === undefined && hide.every((n) => state.hidden.has(n))) {
      const reported = t.shellIntegration?.cwd?.fsPath;
      if (reported !== undefined ? samePath(reported, cwd) : !state.used && samePath(state.cwd, cwd)) return t;
    }
    t?.dispose();
    const env: Record<string, string | null> = {};
    for (const name of hide) env[name] = null; // null removes the variable from the terminal's environment
    this.terminal = vscode.window.createTerminal({ name: 'MCP Agent', cwd, env, iconPath: new vscode.ThemeIcon('hubot') });
    this.terminalState = { cwd, used: false, hidden: new Set(hide) };
    return this.terminal;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.terminal?.dispose();
  }
}

function waitForShellIntegration(terminal: vscode.Terminal, timeoutMs: number): Promise<vscode.TerminalShellIntegration | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      listener.dispose();
      resolve(terminal.shellIntegration);
    }, timeoutMs);
    const listener = vscode.window.onDidChangeTerminalShellIntegration((e) => {
      if (e.terminal !== terminal) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(e.shellIntegration);
    });
  });
}

/** Removes OSC 633/133 shell-integration markers, other OSC sequences, and ANSI colour/cursor codes. */
export function stripTerminalSequences(text: string): string {
  /* eslint-disable no-control-regex -- matching terminal control sequences is the point */
  return text
    .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g, '')
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\u001b[@-Z\\-_]/g, '')
    .replace(/\r(?!\n)/g, '');
  /* eslint-enable no-control-regex */
}

function samePath(a: string, b: string): boolean {
  const real = (p: string): string => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const x = real(a);
  const y = real(b);
  return process.platform === 'win32' || process.platform === 'darwin' ? x.toLowerCase() === y.toLowerCase() : x === y;
}

/** The shell of the default terminal profile (`terminal.integrated.defaultProfile.<os>`), else `$SHELL` / the platform's. */
function defaultProfileShell(): string | undefined {
  const os = process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'osx' : 'linux';
  const config = vscode.workspace.getConfiguration('terminal.integrated');
  const name = config.get<string>(`defaultProfile.${os}`);
  const profiles = config.get<Record<string, { path?: string | string[]; source?: string } | null>>(`profiles.${os}`) ?? {};
  const profile = name ? profiles[name] : undefined;
  if (profile) {
    const p = Array.isArray(profile.path) ? profile.path[0] : profile.path;
    if (p) return p;
    if (profile.source === 'PowerShell') return 'pwsh';
    if (profile.source === 'Git Bash') return 'bash';
  }
  if (name && !profile) return name; // a built-in profile name such as "bash" or "PowerShell"
  if (process.platform === 'win32') return 'powershell';
  return process.env.SHELL ?? defaultShell();
}
