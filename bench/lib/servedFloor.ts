/**
 * The floor loop (bench/scenarios/turn.ts, `makeFloor`) behind the least HTTP server that can serve it, in a process
 * of its own: `POST /chat {"messages": [{"role": "user", "content": "echo N"}]}` runs the turn and answers
 * `{"reply": …}`. It keeps nothing and checks nothing; it is what a served agent costs before it does anything a
 * served agent must (stored conversations, limits, redaction, events), the reference for the HTTP hop itself.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import * as path from 'node:path';
import { makeFloor, type FloorSame } from '../scenarios/turn';

export interface ServedFloor {
  readonly port: number;
  readonly pid: number | undefined;
  close(): Promise<void>;
}

interface Init extends FloorSame {
  modelUrl: string;
}

export async function startServedFloor(init: Init): Promise<ServedFloor> {
  const child: ChildProcess = fork(__filename, ['--served-floor'], { execArgv: ['--import', 'tsx', ...(process.env.MCP_AGENT_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(process.env.MCP_AGENT_BENCH_PROFILE, 'naive')}`] : [])], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ready = once(child, 'message') as Promise<[{ port?: number; error?: string }]>;
  child.send(init);
  const [m] = await ready;
  if (!m.port) throw new Error(`the served floor did not start: ${m.error ?? 'no port'}`);
  return {
    port: m.port,
    pid: child.pid,
    close: async () => {
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    },
  };
}

if (process.argv.includes('--served-floor')) {
  // A normal exit, so that --cpu-prof (MCP_AGENT_BENCH_PROFILE) writes its profile.
  process.on('SIGTERM', () => process.exit(0));
  process.once('message', (init: Init) => {
    void (async () => {
      try {
        const { modelUrl, ...same } = init;
        const floor = await makeFloor({ url: modelUrl }, same);
        const server = createServer((req, res) => {
          let body = '';
          req.setEncoding('utf8');
          req.on('data', (c: string) => (body += c));
          req.on('end', () => {
            const { messages } = JSON.parse(body) as { messages: Array<{ content: string }> };
            const n = Number(/(\d+)$/.exec(messages[messages.length - 1].content)?.[1]);
            floor.turn(n).then(
              (reply) => {
                const out = JSON.stringify({ reply });
                res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
                res.end(out);
              },
              (err: unknown) => {
                res.writeHead(500);
                res.end(String(err));
              },
            );
          });
        });
        server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
      } catch (err) {
        process.send!({ error: String(err) });
      }
    })();
  });
}
