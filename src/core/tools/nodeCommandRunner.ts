/**
 * CommandRunner for plain Node (the CLI, the HTTP API, tests): `/bin/sh` (cmd.exe on Windows) or the configured shell
 * in its own process group, output capped in bounded memory, and the whole group killed on timeout or abort so nothing
 * is orphaned. The environment is the agent's minus its secrets (commandEnv.ts); the working directory is the
 * process's, never part of the command line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultShell } from '../agent/shells';
import type { CommandOutput, CommandRunner, CommandRunOptions } from '../ports';
import { commandEnvironment } from './commandEnv';
import { HeadTailBuffer } from './truncate';

export const DEFAULT_MAX_OUTPUT_CHARS = 48_000;

export interface NodeCommandRunnerOptions {
  /** Shell executable; default `/bin/sh`, or `%ComSpec%` (cmd.exe) on Windows. */
  shell?: string;
  /** Combined output is capped to this many characters, head and tail (default 48,000). */
  maxOutputChars?: number;
  /** Environment for the command (default: this process's); secret-looking variables are removed either way. */
  env?: NodeJS.ProcessEnv;
  /** Secret values (the API key, tokens): variables holding them are removed from the command's environment. */
  secrets?: () => string[];
  /** After SIGTERM, how long the process group gets before SIGKILL (default 2 s). */
  killGraceMs?: number;
  /**
   * After the shell exits, how long to keep reading output that background children still write
   * (default 300 ms); past that, whatever still holds the pipes is left running, unread.
   */
  drainMs?: number;
}

export class NodeCommandRunner implements CommandRunner {
  constructor(private readonly options: NodeCommandRunnerOptions = {}) {}

  /** The shell that parses command lines here. */
  shell(): string {
    return this.options.shell ?? defaultShell();
  }

  async run(command: string, options: CommandRunOptions): Promise<CommandOutput> {
    const { signal } = options;
    signal?.throwIfAborted();
    await assertDirectory(options.cwd);
    const [file, args, verbatim] = shellInvocation(command, this.options.shell);
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: commandEnvironment(this.options.env ?? process.env, options.hideEnv, this.options.secrets?.() ?? []),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group on POSIX, so one kill reaches every descendant.
      detached: process.platform !== 'win32',
      windowsHide: true,
      windowsVerbatimArguments: verbatim,
    });
    return collect(child, options.timeoutMs, signal, this.options);
  }
}

/** The shell and its arguments for one command line; the flag is Windows' verbatim-arguments switch. */
function shellInvocation(command: string, shell: string | undefined): [string, string[], boolean] {
  if (process.platform === 'win32') {
    const exe = shell ?? process.env.ComSpec ?? 'cmd.exe';
    const base = path.win32.basename(exe).toLowerCase();
    if (base.startsWith('powershell') || base.startsWith('pwsh')) return [exe, ['-NoProfile', '-NonInteractive', '-Command', command], false];
    if (base.startsWith('cmd')) return [exe, ['/d', '/s', '/c', `"${command}"`], true];
    return [exe, ['-c', command], false];
  }
  // One pipe for both streams, as a terminal has, so errors stay next to the output they belong to:
  // a tiny sh execs the user's shell with stderr joined to stdout (same pid, same process group).
  return ['/bin/sh', ['-c', 'exec "$0" -c "$1" 2>&1', shell ?? '/bin/sh', command], false];
}

async function assertDirectory(cwd: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(cwd);
  } catch {
    throw new Error(`Working directory does not exist: ${cwd}`);
  }
  if (!stat.isDirectory()) throw new Error(`Working directory is not a directory: ${cwd}`);
}

function killTree(child: ChildProcess, sig: NodeJS.Signals): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (process.platform === 'win32') {
    // taskkill /T walks the tree; Windows has no process groups to signal.
    spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
    return;
  }
  try {
    process.kill(-pid, sig);
  } catch {
    // ESRCH: the whole group is already gone.
  }
}

function collect(child: ChildProcess, timeoutMs: number, signal: AbortSignal | undefined, opts: NodeCommandRunnerOptions): Promise<CommandOutput> {
  const buffer = new HeadTailBuffer(opts.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS);
  const killGraceMs = opts.killGraceMs ?? 2000;
  const drainMs = opts.drainMs ?? 300;
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8'); // decodes multi-byte characters split across chunks
    stream?.on('data', (chunk: string) => buffer.push(chunk));
  }

  return new Promise<CommandOutput>((resolve, reject) => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let reason: 'timeout' | 'abort' | undefined;
    let abandonedPipes = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const later = (ms: number, fn: () => void): void => void timers.push(setTimeout(fn, ms));

    const terminate = (why: 'timeout' | 'abort'): void => {
      if (reason || settled) return;
      reason = why;
      killTree(child, 'SIGTERM');
      // Whatever ignored SIGTERM gets SIGKILL; then stop waiting for pipes a runaway may hold.
      later(killGraceMs, () => {
        killTree(child, 'SIGKILL');
        later(drainMs, () => abandonPipes());
      });
    };
    const abandonPipes = (): void => {
      if (settled) return;
      abandonedPipes = true;
      child.stdout?.destroy();
      child.stderr?.destroy();
      if (exit) finish();
    };
    const onAbort = (): void => terminate('abort');

    const finish = (): void => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      signal?.removeEventListener('abort', onAbort);
      // Sweep the group once more: members that closed their pipes may still be alive.
      if (reason) killTree(child, 'SIGKILL');
      if (reason === 'abort') {
        const why: unknown = signal?.reason;
        reject(why instanceof Error ? why : new DOMException('The command was aborted', 'AbortError'));
        return;
      }
      const notes: string[] = [];
      if (exit?.signal && reason !== 'timeout') notes.push(`terminated by signal ${exit.signal}`);
      if (abandonedPipes && !reason) notes.push('the command exited but processes it started in the background kept its output open; their later output was not captured and they were left running');
      const output: CommandOutput = { exitCode: exit?.code ?? null, output: buffer.text(), timedOut: reason === 'timeout' };
      if (notes.length) output.note = notes.join('; ');
      resolve(output);
    };

    child.on('error', (err) => {
      // Spawning failed (e.g. the shell does not exist): there is no process to wait for.
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.on('exit', (code, sig) => {
      exit = { code, signal: sig };
      if (!reason) later(drainMs, () => abandonPipes());
    });
    child.on('close', () => {
      exit ??= { code: child.exitCode, signal: child.signalCode };
      finish();
    });

    // setTimeout fires at once for delays past 2^31-1 ms or Infinity; those mean "no timeout" here.
    if (Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs < 2 ** 31) later(timeoutMs, () => terminate('timeout'));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
