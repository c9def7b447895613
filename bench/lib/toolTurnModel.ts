/**
 * A scripted model for many concurrent chats, in a process of its own (as a real model server is): every chat is one
 * tool turn, decided per request rather than from a shared queue. A request whose last message is not a tool
 * result gets one call of `tool` (arguments `args`); one that ends with a tool result gets an answer of `tokens`
 * streamed tokens, `tokenDelayMs` apart (a realistic per-token delay).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { startScriptedOpenAI, type RecordedRequest } from '../../test/fixtures/scriptedOpenAI';

export interface ToolTurnModelOptions {
  tool: string;
  args: Record<string, unknown>;
  tokens: number;
  tokenDelayMs: number;
}

export interface ToolTurnModel {
  readonly url: string;
  close(): Promise<void>;
}

export async function startToolTurnModel(opts: ToolTurnModelOptions): Promise<ToolTurnModel> {
  const child: ChildProcess = fork(__filename, ['--tool-turn-model'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  child.send(opts);
  const [url] = (await once(child, 'message')) as [string];
  return {
    url,
    close: async () => {
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    },
  };
}

if (process.argv.includes('--tool-turn-model')) {
  process.once('message', (opts: ToolTurnModelOptions) => {
    void (async () => {
      const srv = await startScriptedOpenAI();
      // One token is about four characters of English.
      const text = Array.from({ length: opts.tokens }, (_, i) => `w${i % 10}  `.slice(0, 4)).join('');
      srv.setDefault((req: RecordedRequest) => {
        const messages = req.body.messages ?? [];
        const last = messages[messages.length - 1];
        if (last?.role === 'tool') return { text, chunkSize: 4, delayMs: opts.tokenDelayMs };
        return { toolCalls: [{ name: opts.tool, arguments: opts.args }] };
      });
      // Recorded requests would grow without bound under load.
      setInterval(() => srv.requests.splice(0), 2_000).unref();
      process.send!(srv.url);
    })();
  });
  process.on('disconnect', () => process.exit(0));
}
