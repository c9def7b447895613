/**
 * The OpenAI provider against the scripted OpenAI-compatible server, over real HTTP: streamed chat on Node's `http`, embeddings
 * through the real `openai` SDK.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import type { Logger } from '../../src/core/ports.js';
import { resolveLlmConfig } from '../../src/core/llm/config.js';
import { openEventStream } from '../../src/core/llm/eventStream.js';
import { createOpenAIProvider, OpenAIProvider, type OpenAIProviderOptions } from '../../src/core/llm/openai.js';
import { rankToolsDetailed } from '../../src/core/llm/toolRanking.js';
import { LlmError, type ChatRequest, type FunctionSpec, type StreamEvent, type ToolCall, type Usage } from '../../src/core/llm/types.js';
import { hashedEmbedding, startScriptedOpenAI, type ScriptedOpenAI } from '../fixtures/scriptedOpenAI.js';

interface Collected {
  events: StreamEvent[];
  text: string;
  calls: ToolCall[];
  usage?: Usage;
  finish?: string;
  error?: LlmError;
}

/** Drains a stream, keeping what arrived before a failure, the way the agent loop does. */
async function collect(stream: AsyncIterable<StreamEvent>, onEvent?: (e: StreamEvent) => void): Promise<Collected> {
  const out: Collected = { events: [], text: '', calls: [] };
  try {
    for await (const e of stream) {
      out.events.push(e);
      onEvent?.(e);
      if (e.type === 'text') out.text += e.delta;
      else if (e.type === 'tool_call') out.calls.push(e.call);
      else if (e.type === 'usage') out.usage = e.usage;
      else if (e.type === 'finish') out.finish = e.reason;
    }
  } catch (err) {
    if (!(err instanceof LlmError)) throw err;
    out.error = err;
  }
  return out;
}

const KEY = 'sk-test-abcdefghijklmnop0123456789';
const user = (content: string): ChatRequest => ({ messages: [{ role: 'user', content }] });

describe('OpenAI provider against the scripted server', function () {
  let srv: ScriptedOpenAI;
  const provider = (opts: Partial<OpenAIProviderOptions> = {}): OpenAIProvider =>
    // Short backoff keeps retry tests fast; Retry-After tests override nothing, the header decides.
    new OpenAIProvider({ baseUrl: srv.url, model: 'gpt-4o-mini', apiKey: KEY, retry: { baseDelayMs: 20 }, ...opts });

  beforeEach(async () => {
    srv = await startScriptedOpenAI();
  });
  afterEach(async () => {
    await srv.close();
  });

  describe('streaming', () => {
    it('streams text in several deltas, then usage and finish', async () => {
      const text = 'Hello there, this answer arrives in small pieces.';
      srv.enqueue({ text, chunkSize: 4 });
      const r = await collect(provider().stream(user('hi')));
      assert.equal(r.error, undefined);
      assert.equal(r.text, text);
      assert.ok(r.events.filter((e) => e.type === 'text').length >= 10, 'text should arrive as many deltas');
      assert.equal(r.finish, 'stop');
      assert.deepEqual(r.events.slice(-2).map((e) => e.type), ['usage', 'finish']);
      const body = srv.chatRequests[0].body;
      assert.equal(body.stream, true);
      assert.deepEqual(body.stream_options, { include_usage: true });
      assert.equal(body.model, 'gpt-4o-mini');
      assert.deepEqual(body.messages, [{ role: 'user', content: 'hi' }]);
      assert.equal(body.tools, undefined, 'no tools key when there are no tools');
    });

    it('reports the usage the server sent', async () => {
      srv.enqueue({ text: 'ok', usage: { prompt_tokens: 11, completion_tokens: 7 } });
      const r = await collect(provider().stream(user('count me')));
      assert.deepEqual(r.usage, { promptTokens: 11, completionTokens: 7, totalTokens: 18 });
    });

    it('uses the model named in the request over the default', async () => {
      srv.enqueue({ text: 'ok' });
      await collect(provider().stream({ ...user('x'), model: 'other-model' }));
      assert.equal(srv.chatRequests[0].body.model, 'other-model');
    });

    for (const interleave of [false, true]) {
      it(`assembles two tool calls whose arguments arrive in fragments${interleave ? ', interleaved' : ''}`, async () => {
        const weather = { city: 'Zürich', units: 'metric', days: [1, 2, 3] };
        const file = { path: 'src/index.ts', encoding: 'utf8' };
        srv.enqueue({
          text: 'Let me check.',
          toolCalls: [
            { name: 'get_weather', arguments: weather, id: 'call_w' },
            { name: 'read_file', arguments: file, id: 'call_f' },
          ],
          argsChunkSize: 5,
          interleave,
        });
        const tools: FunctionSpec[] = [
          { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
          { name: 'read_file', description: 'Read a file', parameters: {} },
        ];
        const r = await collect(provider().stream({ ...user('weather and file please'), tools }));
        assert.equal(r.error, undefined);
        assert.equal(r.text, 'Let me check.');
        assert.deepEqual(
          r.calls.map((c) => ({ id: c.id, name: c.name, args: JSON.parse(c.arguments) as unknown })),
          [
            { id: 'call_w', name: 'get_weather', args: weather },
            { id: 'call_f', name: 'read_file', args: file },
          ],
        );
        assert.equal(r.finish, 'tool_calls');
        const types = r.events.map((e) => e.type);
        assert.ok(types.lastIndexOf('text') < types.indexOf('tool_call'), 'text comes before the calls');
        // The wire tools are in OpenAI's shape; a bare `{}` schema is completed to an object schema.
        assert.deepEqual(srv.chatRequests[0].body.tools, [
          { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
          { type: 'function', function: { name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: {} } } },
        ]);
      });
    }

    it('passes malformed tool-call arguments through verbatim for the loop to report', async () => {
      srv.enqueue({ toolCalls: [{ name: 'run', arguments: '{"cmd": "ls' }] });
      const r = await collect(provider().stream(user('x')));
      assert.equal(r.calls[0].arguments, '{"cmd": "ls');
    });

    it('sends an earlier tool round in the wire format', async () => {
      srv.enqueue({ text: 'done' });
      await collect(
        provider().stream({
          messages: [
            { role: 'system', content: 'be brief' },
            { role: 'user', content: 'list files' },
            { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', name: 'ls', arguments: '{"dir":"."}' }] },
            { role: 'tool', tool_call_id: 'call_1', name: 'ls', content: 'a.ts\nb.ts' },
          ],
        }),
      );
      assert.deepEqual(srv.chatRequests[0].body.messages, [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'list files' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'ls', arguments: '{"dir":"."}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'a.ts\nb.ts' },
      ]);
    });
  });

  describe('retries', () => {
    it('honours Retry-After on a 429 before retrying', async () => {
      srv.enqueue({ status: 429, retryAfter: 1 }, { text: 'after the wait' });
      const r = await collect(provider().stream(user('x')));
      assert.equal(r.text, 'after the wait');
      const [first, second] = srv.chatRequests;
      assert.equal(srv.chatRequests.length, 2);
      // Generous lower bound only: the header said 1 s, the default backoff here would be 20 ms.
      assert.ok(second.at - first.at >= 900, `waited only ${Math.round(second.at - first.at)} ms`);
    });

    it('honours retry-after-ms', async () => {
      srv.enqueue({ status: 429, retryAfterMs: 400 }, { text: 'ok' });
      const r = await collect(provider().stream(user('x')));
      assert.equal(r.text, 'ok');
      assert.ok(srv.chatRequests[1].at - srv.chatRequests[0].at >= 350);
    });

    it('retries 500 and 503 and then succeeds', async () => {
      srv.enqueue({ status: 500 }, { status: 503 }, { text: 'third time lucky' });
      const r = await collect(provider().stream(user('x')));
      assert.equal(r.error, undefined);
      assert.equal(r.text, 'third time lucky');
      assert.equal(srv.chatRequests.length, 3);
    });

    it('gives up after the configured retries with a server error', async () => {
      srv.enqueue({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { text: 'never reached' });
      const r = await collect(provider({ retry: { maxRetries: 2, baseDelayMs: 10 } }).stream(user('x')));
      assert.equal(r.error?.kind, 'server');
      assert.equal(r.error?.status, 500);
      assert.match(r.error.message, /500 after 2 retries/);
      assert.equal(srv.chatRequests.length, 3);
    });

    it('does not wait when Retry-After asks for longer than the cap', async () => {
      srv.enqueue({ status: 429, retryAfter: 120 }, { text: 'not reached' });
      const started = performance.now();
      const r = await collect(provider({ retry: { maxDelayMs: 5_000 } }).stream(user('x')));
      assert.equal(r.error?.kind, 'rate-limit');
      assert.match(r.error.message, /wait 120 s/);
      assert.equal(srv.chatRequests.length, 1);
      assert.ok(performance.now() - started < 2_000);
    });

    it('does not retry an exhausted quota', async () => {
      srv.enqueue({ status: 429, code: 'insufficient_quota', message: 'You exceeded your current quota.' }, { text: 'not reached' });
      const r = await collect(provider().stream(user('x')));
      assert.equal(r.error?.kind, 'rate-limit');
      assert.match(r.error.message, /quota/);
      assert.equal(srv.chatRequests.length, 1);
    });

    it('retries a stream that broke before anything was shown', async () => {
      srv.enqueue({ text: 'lost', breakAfterChunks: 1 }, { text: 'second try' });
      const r = await collect(provider().stream(user('x')));
      assert.equal(r.error, undefined);
      assert.equal(r.text, 'second try');
      assert.equal(srv.chatRequests.length, 2);
    });

    it('retries a dropped connection', async () => {
      srv.enqueue({ drop: true }, { text: 'reconnected' });
      const r = await collect(provider().stream(user('x')));
      assert.equal(r.text, 'reconnected');
      assert.equal(srv.chatRequests.length, 2);
    });
  });

  describe('failures', () => {
    it('reports a rejected key as auth without echoing the key', async () => {
      await srv.close();
      srv = await startScriptedOpenAI({ apiKey: 'sk-the-right-key-000000' });
      const r = await collect(provider().stream(user('x')));
      assert.equal(r.error?.kind, 'auth');
      assert.equal(r.error?.status, 401);
      assert.match(r.error.message, /API key was rejected/);
      assert.match(r.error.message, /OPENAI_API_KEY/);
      assert.ok(!r.error.message.includes(KEY) && !r.error.message.includes('abcdefghij'));
      assert.equal(srv.chatRequests.length, 1, '401 is not retried');
    });

    it('names the unknown model', async () => {
      await srv.close();
      srv = await startScriptedOpenAI({ models: ['gpt-4o-mini'] });
      const r = await collect(provider({ model: 'gpt-imaginary-9' }).stream(user('x')));
      assert.equal(r.error?.kind, 'model');
      assert.equal(r.error?.status, 404);
      assert.match(r.error.message, /"gpt-imaginary-9"/);
      assert.equal(srv.chatRequests.length, 1);
    });

    it('reports a 400 with the server message', async () => {
      srv.enqueue({ status: 400, message: 'Invalid value for temperature: must be at most 2.', code: 'invalid_value' });
      const r = await collect(provider().stream(user('x')));
      assert.equal(r.error?.kind, 'bad-request');
      assert.match(r.error.message, /temperature/);
    });

    it('tells a context-length 400 apart (the agent then learns the window and retries smaller)', async () => {
      srv.enqueue({ status: 400, message: "This model's maximum context length is 128000 tokens.", code: 'context_length_exceeded' });
      const r = await collect(provider().stream(user('x')));
      assert.equal(r.error?.kind, 'context-length');
      assert.match(r.error.message, /maximum context length/);
    });

    it('keeps the text shown before the stream broke and says the answer was cut off', async () => {
      srv.enqueue({ text: 'The quick brown fox jumps over the lazy dog', chunkSize: 5, breakAfterChunks: 3 }, { text: 'must not be used' });
      const r = await collect(provider().stream(user('x')));
      assert.equal(r.text, 'The quick ');
      assert.equal(r.error?.kind, 'stream');
      assert.match(r.error.message, /cut off/);
      assert.equal(srv.chatRequests.length, 1, 'no retry once text was shown');
    });

    it('reports a malformed chunk after partial text', async () => {
      srv.enqueue({ text: 'partial', malformed: true });
      const r = await collect(provider().stream(user('x')));
      assert.equal(r.text, 'partial');
      assert.equal(r.error?.kind, 'stream');
      assert.match(r.error.message, /malformed/);
    });

    it('reports a malformed first chunk without retrying', async () => {
      srv.enqueue({ malformed: 'this is not json' }, { text: 'not reached' });
      const r = await collect(provider().stream(user('x')));
      assert.equal(r.text, '');
      assert.equal(r.error?.kind, 'stream');
      assert.match(r.error.message, /malformed/);
      assert.equal(srv.chatRequests.length, 1);
    });

    it('reports an error event inside the stream', async () => {
      srv.enqueue({ streamError: { message: 'The model crashed.' } });
      const r = await collect(provider().stream(user('x')));
      assert.equal(r.error?.kind, 'server');
      assert.match(r.error.message, /The model crashed/);
    });

    it('names the base URL when nothing listens there', async () => {
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}/v1`;
      const started = performance.now();
      const r = await collect(new OpenAIProvider({ baseUrl, model: 'm' }).stream(user('x')));
      assert.equal(r.error?.kind, 'network');
      assert.ok(r.error.message.includes(baseUrl), r.error.message);
      assert.ok(performance.now() - started < 2_000, 'a refused connection is reported at once');
    });

    it('fails the first request with a clear auth error when api.openai.com has no key', async () => {
      const p = new OpenAIProvider({ baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' });
      const r = await collect(p.stream(user('x')));
      assert.equal(r.error?.kind, 'auth');
      assert.match(r.error.message, /OPENAI_API_KEY/);
      await assert.rejects(p.embed(['x']), (e: unknown) => e instanceof LlmError && e.kind === 'auth');
    });
  });

  describe('cancellation', () => {
    it('stops a slow stream promptly when the signal fires', async () => {
      srv.enqueue({ text: 'x'.repeat(200), chunkSize: 1, delayMs: 40 });
      const ac = new AbortController();
      let abortedAt = 0;
      const r = await collect(provider().stream({ ...user('x'), signal: ac.signal }), (e) => {
        if (e.type === 'text' && abortedAt === 0) {
          abortedAt = performance.now();
          ac.abort();
        }
      });
      const took = performance.now() - abortedAt;
      assert.equal(r.error?.kind, 'cancelled');
      assert.ok(took < 500, `took ${Math.round(took)} ms after abort`);
      assert.ok(r.text.length < 20);
    });

    it('cancels while waiting for the response headers', async () => {
      srv.enqueue({ hang: true });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const started = performance.now();
      const r = await collect(provider().stream({ ...user('x'), signal: ac.signal }));
      assert.equal(r.error?.kind, 'cancelled');
      assert.ok(performance.now() - started < 1_000);
    });

    it('cancels during a Retry-After wait', async () => {
      srv.enqueue({ status: 429, retryAfter: 10 }, { text: 'not reached' });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 150);
      const started = performance.now();
      const r = await collect(provider().stream({ ...user('x'), signal: ac.signal }));
      assert.equal(r.error?.kind, 'cancelled');
      assert.ok(performance.now() - started < 1_500);
      assert.equal(srv.chatRequests.length, 1);
    });

    it('times out waiting for response headers as a network error', async () => {
      srv.enqueue({ hang: true });
      const r = await collect(provider({ requestTimeoutMs: 200, retry: { maxRetries: 0 } }).stream(user('x')));
      assert.equal(r.error?.kind, 'network');
      assert.match(r.error.message, /Timed out/);
    });

    it('fails fast with an already aborted signal, sending nothing', async () => {
      const r = await collect(provider().stream({ ...user('x'), signal: AbortSignal.abort() }));
      assert.equal(r.error?.kind, 'cancelled');
      assert.equal(srv.requests.length, 0);
    });

    it('does not count the time the caller spends on an event as silence', async () => {
      srv.enqueue({ text: 'abcdef', chunkSize: 1, delayMs: 30 });
      const p = provider({ idleTimeoutMs: 150, retry: { maxRetries: 0 } });
      const out: string[] = [];
      for await (const e of p.stream(user('x'))) {
        if (e.type !== 'text') continue;
        out.push(e.delta);
        // Far longer than the idle limit, on two of the deltas: the stream must not count it.
        if (out.length === 1 || out.length === 4) await new Promise((r) => setTimeout(r, 400));
      }
      assert.equal(out.join(''), 'abcdef');
      assert.equal(srv.chatRequests.length, 1);
    });

    it('gives up on a stream that goes silent, and retries when nothing was shown yet', async () => {
      srv.enqueue({ text: 'slow', chunkSize: 1, delayMs: 3_000 }, { text: 'fast' });
      const r = await collect(provider({ idleTimeoutMs: 200 }).stream(user('x')));
      assert.equal(r.text, 'fast');
      assert.equal(srv.chatRequests.length, 2);

      srv.enqueue({ text: 'slow', chunkSize: 1, delayMs: 3_000 });
      const started = performance.now();
      const failed = await collect(provider({ idleTimeoutMs: 200, retry: { maxRetries: 0 } }).stream(user('x')));
      assert.equal(failed.error?.kind, 'network');
      assert.match(failed.error.message, /sent nothing for/);
      assert.ok(performance.now() - started < 1_500);
    });
  });

  describe('keys and headers', () => {
    it('never puts the key in log lines or errors, whatever goes wrong', async () => {
      const lines: string[] = [];
      const record = (m: string): void => void lines.push(m);
      const logger: Logger = { trace: record, debug: record, info: record, warn: record, error: record };
      srv.enqueue({ status: 429, retryAfterMs: 10, message: `Rate limit for key ${KEY}` }, { text: 'x', malformed: `{"leak": "${KEY}"` });
      const r = await collect(provider({ logger }).stream(user('x')));
      assert.equal(r.error?.kind, 'stream');
      assert.ok(lines.length > 0, 'the retry and the bad chunk are logged');
      for (const text of [...lines, r.error.message]) assert.ok(!text.includes(KEY) && !text.includes('abcdefghijklmnop'), text);
    });

    it('builds a working provider from resolved settings', async () => {
      srv.enqueue({ text: 'configured' });
      const config = resolveLlmConfig({ env: { OPENAI_BASE_URL: srv.url, OPENAI_API_KEY: KEY }, overrides: { model: 'cli-model' } });
      const r = await collect(createOpenAIProvider(config).stream(user('x')));
      assert.equal(r.text, 'configured');
      assert.equal(srv.chatRequests[0].body.model, 'cli-model');
      assert.equal(srv.chatRequests[0].headers.authorization, `Bearer ${KEY}`);
    });

    it('sends the key as a bearer token', async () => {
      srv.enqueue({ text: 'ok' }, { embeddings: [[1, 0]] });
      const p = provider();
      await collect(p.stream(user('x')));
      await p.embed(['y']);
      assert.equal(srv.chatRequests[0].headers.authorization, `Bearer ${KEY}`);
      assert.equal(srv.embeddingRequests[0].headers.authorization, `Bearer ${KEY}`);
    });

    it('works against a local endpoint with no key, sending no Authorization header', async () => {
      srv.enqueue({ text: 'local answer' });
      const r = await collect(new OpenAIProvider({ baseUrl: srv.url, model: 'llama3' }).stream(user('x')));
      assert.equal(r.error, undefined);
      assert.equal(r.text, 'local answer');
      assert.equal(srv.chatRequests[0].headers.authorization, undefined);
    });
  });

  describe('the HTTP transport of streamed requests', () => {
    /** A one-handler server on a free port, closed after the test. */
    async function withServer(handler: http.RequestListener, body: (url: string) => Promise<void>): Promise<void> {
      const server = http.createServer(handler);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }
    const sse = (...data: unknown[]): string => data.map((d) => `data: ${typeof d === 'string' ? d : JSON.stringify(d)}\n\n`).join('');
    const chunk = (content: string, finish: string | null = null): unknown => ({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 0,
      model: 'm',
      choices: [{ index: 0, delta: { content }, finish_reason: finish }],
    });

    it('keeps one connection alive across requests', async () => {
      srv.enqueue({ text: 'one' }, { text: 'two' }, { text: 'three' });
      const p = provider();
      for (const expected of ['one', 'two', 'three']) assert.equal((await collect(p.stream(user('x')))).text, expected);
      assert.equal(srv.connections, 1);
    });

    it('follows a 307 redirect with the same body', async () => {
      srv.enqueue({ text: 'after the redirect' });
      await withServer(
        (_req, res) => {
          res.writeHead(307, { location: `${srv.url}/chat/completions` });
          res.end();
        },
        async (url) => {
          const r = await collect(new OpenAIProvider({ baseUrl: url, model: 'm', apiKey: KEY }).stream(user('moved')));
          assert.equal(r.text, 'after the redirect');
          assert.equal(srv.chatRequests[0]?.body.messages?.at(-1)?.content, 'moved');
        },
      );
    });

    it('does not send the key along a redirect to another origin', async () => {
      srv.enqueue({ text: 'elsewhere' });
      // 127.0.0.1 and localhost are different origins (the host differs), though both reach the scripted server.
      const elsewhere = srv.url.replace('127.0.0.1', 'localhost');
      await withServer(
        (_req, res) => {
          res.writeHead(308, { location: `${elsewhere}/chat/completions` });
          res.end();
        },
        async (url) => {
          const r = await collect(new OpenAIProvider({ baseUrl: url, model: 'm', apiKey: KEY }).stream(user('x')));
          assert.equal(r.text, 'elsewhere');
          assert.equal(srv.chatRequests[0]?.headers.authorization, undefined);
          assert.equal(srv.chatRequests[0]?.headers['content-type'], 'application/json');
        },
      );
    });

    it('reads a stream a server compressed without being asked to', async () => {
      await withServer(
        (req, res) => {
          req.resume();
          res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
          res.end(zlib.gzipSync(sse(chunk('packed '), chunk('answer', 'stop'), '[DONE]')));
        },
        async (url) => {
          const r = await collect(new OpenAIProvider({ baseUrl: url, model: 'm' }).stream(user('x')));
          assert.equal(r.error, undefined);
          assert.equal(r.text, 'packed answer');
          assert.equal(r.finish, 'stop');
        },
      );
    });

    it('reports a compressed stream that breaks mid-way at once, keeping what arrived', async () => {
      const packed = zlib.gzipSync(sse(chunk('first '), chunk('second '), chunk('third', 'stop'), '[DONE]'));
      await withServer(
        (req, res) => {
          req.resume();
          res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
          // All but the end of the gzip stream, then the connection drops.
          res.write(packed.subarray(0, packed.length - 20), () => setTimeout(() => res.socket?.destroy(), 50));
        },
        async (url) => {
          const started = performance.now();
          const r = await collect(new OpenAIProvider({ baseUrl: url, model: 'm', retry: { maxRetries: 0 } }).stream(user('x')));
          assert.ok(performance.now() - started < 3_000, 'no wait for the idle timer');
          assert.ok(r.error, 'the break is reported');
          assert.match(r.text, /^first /);
        },
      );
    });

    it('reads a whole JSON completion from a server that ignores stream: true', async () => {
      await withServer(
        (req, res) => {
          req.resume();
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              id: 'c1',
              object: 'chat.completion',
              created: 0,
              model: 'm',
              choices: [
                {
                  index: 0,
                  message: { role: 'assistant', content: 'Looking.', reasoning_content: 'Think first.', tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'everything__echo', arguments: '{"message":"hi"}' } }] },
                  finish_reason: 'tool_calls',
                },
              ],
              usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
            }),
          );
        },
        async (url) => {
          const r = await collect(new OpenAIProvider({ baseUrl: url, model: 'm' }).stream(user('x')));
          assert.equal(r.error, undefined);
          assert.equal(r.text, 'Looking.');
          assert.deepEqual(r.events.filter((e) => e.type === 'reasoning').map((e) => (e as { delta: string }).delta), ['Think first.']);
          assert.deepEqual(r.calls.map((c) => [c.id, c.name, c.arguments]), [['call_a', 'everything__echo', '{"message":"hi"}']]);
          assert.equal(r.usage?.promptTokens, 12);
          assert.equal(r.finish, 'tool_calls');
        },
      );
    });

    it("reports a proxy's HTML error page by its status, not as malformed JSON", async () => {
      await withServer(
        (req, res) => {
          req.resume();
          res.writeHead(502, { 'content-type': 'text/html' });
          res.end('<html><body>Bad Gateway</body></html>');
        },
        async (url) => {
          const r = await collect(new OpenAIProvider({ baseUrl: url, model: 'm', retry: { maxRetries: 0 } }).stream(user('x')));
          assert.equal(r.error?.kind, 'server');
          assert.match(r.error.message, /failed with 502/);
        },
      );
    });

    it('ignores anything after [DONE] and reads SSE comments and CRLF line ends', async () => {
      await withServer(
        (req, res) => {
          req.resume();
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const body = `: keep-alive\r\n\r\n${sse(chunk('a'), chunk('b', 'stop'), '[DONE]', chunk('after')).replace(/\n/g, '\r\n')}`;
          // Split mid-line, so events are reassembled across reads.
          res.write(body.slice(0, 37));
          setTimeout(() => res.end(body.slice(37)), 20);
        },
        async (url) => {
          const r = await collect(new OpenAIProvider({ baseUrl: url, model: 'm' }).stream(user('x')));
          assert.equal(r.error, undefined);
          assert.equal(r.text, 'ab');
        },
      );
    });

    describe('limits on what a server sends', () => {
      /** Writes `piece` until the client goes away; resolves with how much it wrote. */
      const endless = (res: http.ServerResponse, piece: string): Promise<number> =>
        new Promise((resolve) => {
          let sent = 0;
          let open = true;
          res.on('close', () => {
            open = false;
            resolve(sent);
          });
          const pump = (): void => {
            while (open && sent < 200 * 1024 * 1024) {
              sent += piece.length;
              if (!res.write(piece)) return void res.once('drain', pump);
            }
            if (open) res.end();
          };
          pump();
        });

      it('stops one endless event (a line that never ends) at 16 MiB, with a message that says so', async () => {
        let written: Promise<number> | undefined;
        await withServer(
          (req, res) => {
            req.resume();
            res.writeHead(200, { 'content-type': 'text/event-stream' });
            res.write('data: {"choices":[{"index":0,"delta":{"content":"');
            written = endless(res, 'x'.repeat(64 * 1024));
          },
          async (url) => {
            const r = await collect(new OpenAIProvider({ baseUrl: url, model: 'm', retry: { maxRetries: 0 } }).stream(user('x')));
            assert.equal(r.error?.kind, 'server');
            assert.match(r.error.message, /sent one event over 16 MiB, so the answer was stopped/);
            assert.ok((await written!) < 24 * 1024 * 1024, 'the connection was closed once the limit was passed');
          },
        );
      });

      it('stops an answer sent as one JSON document past 16 MiB', async () => {
        await withServer(
          (req, res) => {
            req.resume();
            res.writeHead(200, { 'content-type': 'application/json' });
            res.write('{"choices":[{"index":0,"message":{"role":"assistant","content":"');
            void endless(res, 'y'.repeat(64 * 1024));
          },
          async (url) => {
            const r = await collect(new OpenAIProvider({ baseUrl: url, model: 'm', retry: { maxRetries: 0 } }).stream(user('x')));
            assert.equal(r.error?.kind, 'server');
            assert.match(r.error.message, /sent an answer as one JSON document over 16 MiB/);
          },
        );
      });

      it('stops a stream of well-formed events past the answer limit, keeping what arrived', async () => {
        await withServer(
          (req, res) => {
            req.resume();
            res.writeHead(200, { 'content-type': 'text/event-stream' });
            void endless(res, sse(chunk('z')));
          },
          async (url) => {
            // The limit is 256 MiB; the same code with a small one, through the transport directly.
            const stream = await openEventStream({ url: `${url}/chat/completions`, headers: { 'content-type': 'application/json' }, body: '{}', headersTimeoutMs: 5000, limits: { answerChars: 100_000 } });
            let text = '';
            await assert.rejects(
              (async () => {
                for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
              })(),
              (err: unknown) => err instanceof LlmError && /sent an answer over 100000 characters/.test(err.message),
            );
            assert.ok(text.length > 100 && text.length < 1000, `${text.length} characters of answer arrived before the stop`);
          },
        );
      });
    });
  });

  describe('embeddings', () => {
    it('returns one vector per input in order, asking for floats from the embedding model', async () => {
      const texts = ['read a file from disk', 'weather in Paris', ''];
      const vectors = await provider().embed(texts);
      assert.deepEqual(vectors, [hashedEmbedding(texts[0]), hashedEmbedding(texts[1]), hashedEmbedding(' ')]);
      const body = srv.embeddingRequests[0].body;
      assert.equal(body.model, 'text-embedding-3-small');
      assert.equal(body.encoding_format, 'float');
      assert.deepEqual(body.input, ['read a file from disk', 'weather in Paris', ' ']);
    });

    it('uses the configured embedding model and scripted vectors', async () => {
      srv.enqueue({ embeddings: [[0.5, 0.5], [1, 0]] });
      const vectors = await provider({ embeddingModel: 'nomic-embed-text' }).embed(['a', 'b']);
      assert.deepEqual(vectors, [[0.5, 0.5], [1, 0]]);
      assert.equal(srv.embeddingRequests[0].body.model, 'nomic-embed-text');
    });

    it('reports a missing embeddings endpoint once, then fails fast', async () => {
      srv.enqueueEmbeddings({ status: 404 });
      const p = provider();
      await assert.rejects(p.embed(['a']), (e: unknown) => e instanceof LlmError && e.kind === 'model' && e.message.includes('text-embedding-3-small'));
      await assert.rejects(p.embed(['b']), (e: unknown) => e instanceof LlmError && e.kind === 'model');
      assert.equal(srv.embeddingRequests.length, 1);
    });

    it('ranks tools by embedding similarity and caches tool vectors', async () => {
      const tools: FunctionSpec[] = [
        { name: 'read_file', description: 'Read the contents of a file on disk', parameters: {} },
        { name: 'get_weather', description: 'Current weather forecast for a city', parameters: {} },
        { name: 'send_email', description: 'Send an email message to someone', parameters: {} },
        { name: 'list_issues', description: 'List open issues in the tracker', parameters: {} },
      ];
      const p = provider();
      const cache = new Map<string, number[]>();
      const first = await rankToolsDetailed(tools, 'what is the weather forecast for Paris today', { max: 1, provider: p, cache });
      assert.equal(first.method, 'embedding');
      assert.deepEqual(first.tools.map((t) => t.name), ['get_weather']);
      assert.equal(cache.size, 4);
      const second = await rankToolsDetailed(tools, 'please send an email to Bob', { max: 1, provider: p, cache });
      assert.deepEqual(second.tools.map((t) => t.name), ['send_email']);
      // Only the conversation was embedded the second time: the tool vectors came from the cache.
      assert.deepEqual(srv.embeddingRequests.map((r) => (r.body.input as string[]).length), [5, 1]);
    });
  });

  describe('the scripted server itself', () => {
    it('answers non-streamed requests, with tool calls, on /chat/completions without /v1', async () => {
      srv.enqueue({ text: 'plain', toolCalls: [{ name: 'f', arguments: { a: 1 } }] });
      const client = new OpenAI({ baseURL: srv.url.replace(/\/v1$/, ''), apiKey: 'k', maxRetries: 0 });
      const res = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
      const message = res.choices[0].message;
      assert.equal(message.content, 'plain');
      assert.equal(message.tool_calls?.[0]?.type === 'function' ? message.tool_calls[0].function.arguments : undefined, '{"a":1}');
      assert.equal(res.choices[0].finish_reason, 'tool_calls');
      assert.ok(res.usage!.total_tokens > 0);
      assert.equal(srv.chatRequests[0].path, '/chat/completions');
    });

    it('echoes the last user message by default, and runs script functions per request', async () => {
      const p = provider();
      assert.equal((await collect(p.stream(user('repeat after me')))).text, 'repeat after me');
      srv.setDefault((req) => ({ text: `seen ${req.body.messages?.length ?? 0} messages` }));
      assert.equal((await collect(p.stream(user('a')))).text, 'seen 1 messages');
      assert.equal(srv.pending.chat, 0);
    });

    it('answers base64 embeddings for clients that ask for them', async () => {
      const client = new OpenAI({ baseURL: srv.url, apiKey: 'k', maxRetries: 0 });
      const res = await client.embeddings.create({ model: 'e', input: 'hello world' });
      const expected = hashedEmbedding('hello world');
      assert.equal(res.data[0].embedding.length, expected.length);
      res.data[0].embedding.forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 1e-6));
      assert.equal(srv.embeddingRequests[0].body.encoding_format, 'base64');
    });

    it('answers unknown paths with a 404 in the OpenAI format', async () => {
      const res = await fetch(`${srv.url}/nope`, { method: 'POST' });
      assert.equal(res.status, 404);
      const body = (await res.json()) as { error: { message: string } };
      assert.match(body.error.message, /Unknown request URL/);
    });
  });
});

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
