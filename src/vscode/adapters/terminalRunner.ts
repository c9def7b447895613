/**
 * run_command in a visible "MCP Agent" terminal through shell integration: the user sees the command run, the
 * agent gets its output (OSC 633 markers stripped) and exit code. When shell integration does not come up within a
 * few seconds, the command runs as a child process instead, and the result says so.
 */
import * as vscode from 'vscode';
import type { CommandOutput, CommandRunner, Logger } from '../../core/ports';
import { NodeCommandRunner } from '../../core/tools/nodeCommandRunner';
import { HeadTailBuffer } from '../../core/tools/truncate';

const SHELL_INTEGRATION_WAIT_MS = 5000;
const MAX_OUTPUT_CHARS = 48_000;

export class TerminalCommandRunner implements CommandRunner, vscode.Disposable {
  private terminal?: vscode.Terminal;
  private readonly fallback = new NodeCommandRunner({ maxOutputChars: MAX_OUTPUT_CHARS });
  private readonly disposables: vscode.Disposable[] = [];
  /** One command at a time in the terminal; parallel calls queue. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly logger: Logger) {
    this.disposables.push(vscode.window.onDidCloseTerminal((t) => t === this.terminal && (this.terminal = undefined)));
  }

  run(command: string, options: { cwd: string; timeoutMs: number; signal?: AbortSignal }): Promise<CommandOutput> {
    const next = this.queue.then(() => this.runNow(command, options));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(command: string, options: { cwd: string; timeoutMs: number; signal?: AbortSignal }): Promise<CommandOutput> {
    const terminal = this.ensureTerminal(options.cwd);
    terminal.show(true);
    const integration = terminal.shellIntegration ?? (await waitForShellIntegration(terminal, SHELL_INTEGRATION_WAIT_MS));
    if (!integration) {
      this.logger.info('shell integration did not start; running the command as a child process');
      const out = await this.fallback.run(command, options);
      return { ...out, note: 'Shell integration is not available in the terminal, so the command ran as a background process instead.' };
    }
    return this.runIntegrated(integration, command, options);
  }

  private async runIntegrated(integration: vscode.TerminalShellIntegration, command: string, options: { cwd: string; timeoutMs: number; signal?: AbortSignal }): Promise<CommandOutput> {
    const commandLine = integration.cwd?.fsPath === options.cwd ? command : `cd ${quote(options.cwd)} && ${command}`;
    const execution = integration.executeCommand(commandLine);
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

  private ensureTerminal(cwd: string): vscode.Terminal {
    if (this.terminal && this.terminal.exitStatus === undefined) return this.terminal;
    this.terminal = vscode.window.createTerminal({ name: 'MCP Agent', cwd, iconPath: new vscode.ThemeIcon('hubot') });
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

function quote(p: string): string {
  return process.platform === 'win32' ? `"${p}"` : `'${p.replace(/'/g, `'\\''`)}'`;
}
