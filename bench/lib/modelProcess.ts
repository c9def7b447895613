/**
 * The scripted OpenAI-compatible server (test/fixtures/scriptedOpenAI.ts) in a process of its own, driven over IPC.
 * A real model server is never inside the client's process: with the model in the bench's own process, an
 * in-process contender would talk to it without a single context switch while `mcp-agent serve` pays two per chunk.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { startScriptedOpenAI, type RecordedRequest, type Script } from '../../test/fixtures/scriptedOpenAI';

type Reply = { id: number; url?: string; requests?: RecordedRequest[] };

export interface ModelProcess {
  readonly url: string;
  /** Clears the queue and recorded requests, then queues `scripts` (resolves when the server has them). */
  script(...scripts: Script[]): Promise<void>;
  chatRequests(): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export async function startModelProcess(): Promise<ModelProcess> {
  const child: ChildProcess = fork(__filename, ['--model-child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let next = 0;
  const waiting = new Map<number, (r: Reply) => void>();
  child.on('message', (m: Reply) => waiting.get(m.id)?.(m));
  const call = (msg: Record<string, unknown>): Promise<Reply> =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, (r) => {
        waiting.delete(id);
        resolve(r);
      });
      child.send({ ...msg, id });
    });
  const { url } = await call({ op: 'start' });
  return {
    url: url!,
    script: async (...scripts) => void (await call({ op: 'script', scripts })),
    chatRequests: async () => (await call({ op: 'requests' })).requests ?? [],
    close: async () => {
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    },
  };
}

if (process.argv.includes('--model-child')) {
  void (async () => {
    const srv = await startScriptedOpenAI();
    process.on('message', (m: { id: number; op: string; scripts?: Script[] }) => {
      if (m.op === 'start') process.send!({ id: m.id, url: srv.url });
      else if (m.op === 'script') {
        srv.reset();
        srv.enqueue(...(m.scripts ?? []));
        process.send!({ id: m.id });
      } else if (m.op === 'requests') process.send!({ id: m.id, requests: srv.chatRequests });
    });
    process.on('disconnect', () => process.exit(0));
  })();
}
