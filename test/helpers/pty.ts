/** Runs the built CLI on a pseudo-terminal (util-linux `script`), answering each question as it is asked. */
import { spawn, spawnSync } from 'node:child_process';
import { CLI } from './servers';

/** How long the screen must stay still before a question on it is answered. */
const QUIET_MS = 60;

export function hasScript(): boolean {
  return spawnSync('script', ['--version']).status === 0;
}

/** Strips terminal escapes and CRs, as a person reading the screen would see it. */
function plain(s: string): string {
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, ''); // eslint-disable-line no-control-regex
}

/**
 * Runs `mcp-agent ARGS` on a pty in `cwd`; when a question (a line ending in ':' or chat's '> ') is waiting, types
 * the next answer. Resolves with the exit code, the screen's text and the raw bytes the terminal received.
 */
export function onTerminal(args: string[], answers: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<{ code: number | null; output: string; raw: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = [process.execPath, CLI, ...args].map(quote).join(' ');
  const queue = [...answers];
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let answeredAt = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no end on the terminal; output:\n${plain(output)}`));
    }, opts.timeoutMs ?? 40_000);
    // A question is answered once the screen has ended with it and stayed still for QUIET_MS: a chunk that happens to
    // end in ':' mid-line (say "[everything:") is not a question, and typing into a running turn would lose the line.
    let settle: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      clearTimeout(settle);
      settle = setTimeout(() => {
        const screen = plain(output);
        if (/(: *|\n> )$/.test(screen) && screen.length > answeredAt && queue.length) {
          answeredAt = screen.length;
          child.stdin.write(`${queue.shift()}\r`);
        }
      }, QUIET_MS);
    });
    child.on('close', (code) => {
      clearTimeout(settle);
      clearTimeout(timer);
      resolve({ code, output: plain(output), raw: output });
    });
  });
}
