import assert from 'node:assert/strict';
import { bm25Scores, tokenize } from '../../src/core/llm/lexical.js';
import { rankTools, rankToolsDetailed, recentConversationText, toolEmbeddingKey, toolsUsedIn } from '../../src/core/llm/toolRanking.js';
import { LlmError, type ChatProvider, type FunctionSpec, type StreamEvent } from '../../src/core/llm/types.js';
import { hashedEmbedding } from '../fixtures/scriptedOpenAI.js';

const spec = (name: string, description: string): FunctionSpec => ({ name, description, parameters: { type: 'object', properties: {} } });

const TOOLS: FunctionSpec[] = [
  spec('run_command', 'Run a shell command in the workspace terminal'),
  spec('github__list_issues', 'List open issues of a GitHub repository'),
  spec('github__create_pull_request', 'Open a pull request on GitHub'),
  spec('fs__read_file', 'Read the complete contents of a file from the file system'),
  spec('fs__write_file', 'Create a new file or overwrite a file with new content'),
  spec('fs__list_directory', 'List the entries of a directory'),
  spec('weather__get_forecast', 'Get the weather forecast for a city'),
  spec('slack__post_message', 'Post a message to a Slack channel'),
  spec('db__run_query', 'Run a read-only SQL query against the database'),
  spec('calendar__create_event', 'Create a calendar event with attendees'),
];
const names = (tools: FunctionSpec[]): string[] => tools.map((t) => t.name);

/**
 * A provider whose embeddings are the fixture's hashed bag of words (similar wording, similar vector); it records
 * every embed call so the tests can see what was sent. Streaming is not used by ranking.
 */
class EmbeddingProvider implements ChatProvider {
  readonly id = 'test';
  readonly model = 'test';
  readonly calls: string[][] = [];
  constructor(private readonly impl: (texts: string[]) => Promise<number[][]> = async (t) => t.map((x) => hashedEmbedding(x, 256))) {}
  // eslint-disable-next-line require-yield
  async *stream(): AsyncIterable<StreamEvent> {
    throw new Error('not used');
  }
  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    signal?.throwIfAborted();
    this.calls.push(texts);
    return this.impl(texts);
  }
}

describe('tool ranking', () => {
  it('returns every tool untouched when they fit, without embedding anything', async () => {
    const provider = new EmbeddingProvider();
    const r = await rankToolsDetailed(TOOLS, 'anything', { max: 10, provider });
    assert.equal(r.method, 'all');
    assert.deepEqual(r.tools, TOOLS);
    assert.equal(provider.calls.length, 0);
  });

  describe('lexical fallback (no embeddings)', () => {
    it('picks the tools that match the conversation, keeping their original order', async () => {
      const r = await rankToolsDetailed(TOOLS, 'Please read the file package.json and list the directory src', { max: 2 });
      assert.equal(r.method, 'lexical');
      assert.deepEqual(names(r.tools), ['fs__read_file', 'fs__list_directory']);
    });

    it('is deterministic, ties broken by original position', async () => {
      const a = await rankTools(TOOLS, 'zzz nothing matches here', { max: 3 });
      const b = await rankTools([...TOOLS], 'zzz nothing matches here', { max: 3 });
      assert.deepEqual(names(a), names(b));
      assert.deepEqual(names(a), ['run_command', 'github__list_issues', 'github__create_pull_request']);
    });

    it('always keeps pinned and already used tools, and never exceeds max', async () => {
      const r = await rankTools(TOOLS, 'what is the weather forecast in Oslo', {
        max: 3,
        pinned: ['run_command'],
        used: ['slack__post_message'],
      });
      assert.deepEqual(names(r), ['run_command', 'weather__get_forecast', 'slack__post_message']);
    });

    it('accepts a predicate for pinned tools', async () => {
      const r = await rankTools(TOOLS, 'weather', { max: 2, pinned: (n) => !n.includes('__') });
      assert.deepEqual(names(r), ['run_command', 'weather__get_forecast']);
    });

    it('puts a tool named outright in the conversation ahead of better lexical matches', async () => {
      const r = await rankTools(TOOLS, 'read the file a.txt and the file b.txt, then call calendar__create_event', { max: 1 });
      assert.deepEqual(names(r), ['calendar__create_event']);
    });

    it('falls back when embeddings fail, saying why', async () => {
      const provider = new EmbeddingProvider(async () => {
        throw new LlmError('Embedding model "x" is not available', 'model', 404);
      });
      const r = await rankToolsDetailed(TOOLS, 'open a pull request', { max: 1, provider, cache: new Map() });
      assert.equal(r.method, 'lexical');
      assert.match(r.fallbackReason ?? '', /not available/);
      assert.deepEqual(names(r.tools), ['github__create_pull_request']);
    });

    it('falls back when embeddings come back with the wrong count', async () => {
      const provider = new EmbeddingProvider(async () => [[1, 0]]);
      const r = await rankToolsDetailed(TOOLS, 'open a pull request', { max: 1, provider, cache: new Map() });
      assert.equal(r.method, 'lexical');
      assert.deepEqual(names(r.tools), ['github__create_pull_request']);
    });

    it('falls back when embeddings take too long', async () => {
      const provider = new EmbeddingProvider(() => new Promise(() => undefined));
      const started = performance.now();
      const r = await rankToolsDetailed(TOOLS, 'open a pull request', { max: 1, provider, cache: new Map(), embedTimeoutMs: 100 });
      assert.equal(r.method, 'lexical');
      assert.ok(performance.now() - started < 1_000);
    });
  });

  describe('with embeddings', () => {
    it('ranks by similarity and caches tool vectors by name and description', async () => {
      const provider = new EmbeddingProvider();
      const cache = new Map<string, number[]>();
      const r = await rankToolsDetailed(TOOLS, 'post a message to the team channel on slack', { max: 2, provider, cache, pinned: ['run_command'] });
      assert.equal(r.method, 'embedding');
      assert.deepEqual(names(r.tools), ['run_command', 'slack__post_message']);
      // Query plus the nine unpinned tools, embedded in one request.
      assert.equal(provider.calls.length, 1);
      assert.equal(provider.calls[0].length, 10);
      assert.equal(cache.size, 9);
      assert.ok(cache.has(toolEmbeddingKey(TOOLS[7])));

      const again = await rankTools(TOOLS, 'what is the weather forecast for Rome', { max: 2, provider, cache, pinned: ['run_command'] });
      assert.deepEqual(names(again), ['run_command', 'weather__get_forecast']);
      assert.equal(provider.calls[1].length, 1, 'only the conversation is embedded the second time');
    });

    it('re-embeds a tool whose description changed', async () => {
      const provider = new EmbeddingProvider();
      const cache = new Map<string, number[]>();
      await rankTools(TOOLS, 'weather', { max: 1, provider, cache });
      const changed = TOOLS.map((t) => (t.name === 'fs__read_file' ? spec(t.name, 'Read a file, now with line ranges') : t));
      await rankTools(changed, 'weather', { max: 1, provider, cache });
      assert.equal(provider.calls[1].length, 2);
      assert.match(provider.calls[1][1], /line ranges/);
    });

    it('recomputes cached vectors of another length (another embedding model)', async () => {
      const cache = new Map<string, number[]>();
      await rankTools(TOOLS, 'weather', { max: 1, provider: new EmbeddingProvider(async (t) => t.map((x) => hashedEmbedding(x, 16))), cache });
      const provider = new EmbeddingProvider();
      const r = await rankToolsDetailed(TOOLS, 'weather forecast', { max: 1, provider, cache });
      assert.equal(r.method, 'embedding');
      assert.deepEqual(names(r.tools), ['weather__get_forecast']);
      assert.deepEqual(provider.calls.map((c) => c.length), [1, 10]);
      assert.ok([...cache.values()].every((v) => v.length === 256));
    });

    it('throws cancelled when the caller aborts instead of falling back', async () => {
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(
        rankTools(TOOLS, 'weather', { max: 1, provider: new EmbeddingProvider(), signal: ac.signal }),
        (e: unknown) => e instanceof LlmError && e.kind === 'cancelled',
      );
    });
  });

  describe('conversation helpers', () => {
    it('finds the tools the assistant called', () => {
      const used = toolsUsedIn([
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: '1', name: 'fs__read_file', arguments: '{}' }, { id: '2', name: 'run_command', arguments: '{}' }] },
        { role: 'tool', tool_call_id: '1', content: 'x' },
      ]);
      assert.deepEqual([...used].sort(), ['fs__read_file', 'run_command']);
    });

    it('takes the newest user and assistant text, up to the limit', () => {
      const text = recentConversationText(
        [
          { role: 'system', content: 'SYSTEM PROMPT' },
          { role: 'user', content: 'old question' },
          { role: 'tool', tool_call_id: '1', content: 'TOOL OUTPUT' },
          { role: 'assistant', content: 'an answer' },
          { role: 'user', content: 'new question' },
        ],
        25,
      );
      // The tail is cut at the limit, even mid-message; system prompts and tool output are left out.
      assert.equal(text, 'on\nan answer\nnew question');
    });
  });

  describe('lexical scoring', () => {
    it('splits identifiers and strips plurals', () => {
      assert.deepEqual(tokenize('readFile list_issues HTTPServer files'), ['read', 'file', 'list', 'issue', 'http', 'server', 'file']);
    });

    it('scores rarer matching terms higher and non-matching documents zero', () => {
      const [a, b, c] = bm25Scores([['read', 'file'], ['write', 'file'], ['weather']], ['read', 'file']);
      assert.ok(a > b && b > 0);
      assert.equal(c, 0);
    });
  });
});
