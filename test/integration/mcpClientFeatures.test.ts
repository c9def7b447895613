/**
 * The client side of MCP beyond tools, against the reference `everything` server over stdio: sampling answered
 * by the scripted OpenAI-compatible server through the approval callback (declined, rate-limited), elicitation
 * forms from the server's real schema, roots, resources (list, templates, read, subscribe), prompts with
 * completions, and the log level.
 */
import * as assert from 'node:assert/strict';
import { once } from 'node:events';
import * as os from 'node:os';
import { pathToFileURL } from 'node:url';
import type { CallToolResult, ElicitRequest, LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { createOpenAIProvider } from '../../src/core/llm/openai';
import type { LlmConfig } from '../../src/core/llm/config';
import { AgentManager } from '../../src/core/mcp/AgentManager';
import { promptToChat, resourceToContext } from '../../src/core/mcp/chatContext';
import { elicitationView, validateForm, type ElicitationView } from '../../src/core/mcp/elicitation';
import type { ClientHandlers } from '../../src/core/mcp/McpAgent';
import { ATTACHMENTS_CHARS, buildUserTurn, UserTurnError } from '../../src/core/mcp/userTurn';
import { ResourceWatch, type WatchedResource } from '../../src/core/mcp/resourceWatch';
import { rootsFromPaths } from '../../src/core/mcp/roots';
import { createSamplingHandler, type SamplingDecision, type SamplingRequestView } from '../../src/core/mcp/sampling';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../fixtures/scriptedOpenAI';
import { everythingDef } from '../helpers/servers';

function text(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

function llm(url: string): LlmConfig {
  return { provider: 'openai', baseUrl: url, apiKey: 'sk-test', model: 'test-model', maxTools: 128, embeddingModel: 'e', sources: {} } as unknown as LlmConfig;
}

describe('MCP client features against server-everything', function () {
  this.timeout(60_000);
  let srv: ScriptedOpenAI;
  let manager: AgentManager;
  const asked: SamplingRequestView[] = [];
  let decision: SamplingDecision = 'approve';
  let elicited: ElicitationView[] = [];
  let answer: (view: ElicitationView) => Record<string, unknown> | 'decline' = () => 'decline';
  let roots = rootsFromPaths([os.tmpdir()]);

  before(async () => {
    srv = await startScriptedOpenAI();
    const handlers: ClientHandlers = {
      sampling: createSamplingHandler({
        provider: createOpenAIProvider(llm(srv.url)),
        models: ['test-model', 'claude-3-sonnet-like'],
        rateLimit: { perMinute: 3 },
        // A clock that stands still: no token comes back during the run.
        now: () => 0,
        approve: async (view) => {
          asked.push(view);
          return decision;
        },
      }),
      elicitation: async (_server, params: ElicitRequest['params']) => {
        const view = elicitationView(params);
        elicited.push(view);
        const a = answer(view);
        if (a === 'decline' || view.mode !== 'form') return { action: 'decline' };
        const r = validateForm(view.fields, a);
        return r.ok ? { action: 'accept', content: r.content } : { action: 'decline' };
      },
      roots: async () => roots,
    };
    manager = new AgentManager({ handlers });
    await manager.apply([everythingDef()]);
    // Tools that depend on the client's capabilities are registered once initialized.
    for (let i = 0; i < 50 && !manager.resolveTool('trigger-sampling-request'); i++) await new Promise((r) => setTimeout(r, 100));
  });
  after(async () => {
    await manager?.dispose();
    await srv?.close();
  });

  describe('sampling', () => {
    it('answers with the configured model after approval, passing system prompt, limits and messages', async () => {
      srv.reset();
      asked.length = 0;
      decision = 'approve';
      srv.enqueue({ text: 'Sampled answer.' });
      const r = await manager.callTool('trigger-sampling-request', { prompt: 'Say something', maxTokens: 77 });
      assert.equal(r.isError, undefined, text(r));
      assert.match(text(r), /"text": "Sampled answer\."/);
      assert.match(text(r), /"model": "test-model"/);
      assert.match(text(r), /"stopReason": "endTurn"/);
      assert.equal(asked.length, 1);
      assert.equal(asked[0].server, 'everything');
      assert.equal(asked[0].maxTokens, 77);
      assert.match(asked[0].messages[0].text, /Say something/);
      const body = srv.chatRequests[0].body as Record<string, unknown>;
      assert.equal(body.max_tokens, 77, "a non-OpenAI base URL gets max_tokens");
      assert.equal(body.max_completion_tokens, undefined);
      assert.equal(body.temperature, 0.7);
      assert.deepEqual((body.messages as Array<{ role: string }>).map((m) => m.role), ['system', 'user']);
    });

    it('gives the model the images of user messages as image parts; audio and assistant images stay named notes', async () => {
      srv.reset();
      srv.enqueue({ text: 'A red square.' });
      const views: SamplingRequestView[] = [];
      const handler = createSamplingHandler({ provider: createOpenAIProvider(llm(srv.url)), approve: async (v) => (views.push(v), 'approve') });
      const png = 'iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEklEQVR4nGP4z8CAB+GTG8HSALfKY52fTcuYAAAAAElFTkSuQmCC';
      const result = await handler(
        'pictures',
        {
          maxTokens: 50,
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', mimeType: 'image/png', data: png }] },
            { role: 'assistant', content: { type: 'image', mimeType: 'image/png', data: png } },
            { role: 'user', content: [{ type: 'audio', mimeType: 'audio/wav', data: 'UklGRg==' }, { type: 'text', text: 'And this?' }] },
          ],
        },
        new AbortController().signal,
      );
      assert.deepEqual(result.content, { type: 'text', text: 'A red square.' });
      const sent = srv.chatRequests[0].body.messages as Array<{ role: string; content: unknown }>;
      assert.deepEqual(sent[0], {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
        ],
      });
      assert.match(String(sent[1].content), /^\[image image\/png, 75 bytes, not given to the model/);
      assert.match(String(sent[2].content), /^\[audio audio\/wav, 4 bytes, not given to the model.*\]\nAnd this\?$/);
      assert.equal(views[0].messages[0].text, 'What is this?\n[image image/png, 75 bytes]', 'the person approving sees what is sent');
    });

    it('returns the spec\'s "user rejected" error when the user declines, without asking the model', async () => {
      srv.reset();
      decision = 'decline';
      const r = await manager.callTool('trigger-sampling-request', { prompt: 'no thanks' });
      assert.equal(r.isError, true);
      assert.match(text(r), /User rejected sampling request/);
      assert.equal(srv.chatRequests.length, 0);
    });

    it('refuses requests beyond the per-server rate with a message naming the limit', async () => {
      // Two requests above used two of the three tokens; one more goes through, the next is refused.
      decision = 'approve';
      srv.reset();
      asked.length = 0;
      const ok = await manager.callTool('trigger-sampling-request', { prompt: 'one more' });
      assert.equal(ok.isError, undefined, text(ok));
      const refused = await manager.callTool('trigger-sampling-request', { prompt: 'too many' });
      assert.equal(refused.isError, true);
      assert.match(text(refused), /sampling rate limit for server "everything" reached \(3 per minute\); try again in \d+ s/);
      assert.equal(asked.length, 1, 'a refused request is not put to the user');
      assert.equal(srv.chatRequests.length, 1);
    });
  });

  describe('elicitation', () => {
    it('builds the form from the server\'s schema and returns validated, coerced answers', async () => {
      elicited = [];
      answer = () => ({ name: 'Ada Lovelace', check: 'y', integer: '7', titledMultipleSelectEnum: '1,3', titledSingleSelectEnum: 'Wonder Woman', legacyTitledEnum: 'Dogs' });
      const r = await manager.callTool('trigger-elicitation-request', {});
      const view = elicited[0];
      assert.equal(view.mode, 'form');
      if (view.mode !== 'form') return;
      const by = new Map(view.fields.map((f) => [f.name, f]));
      assert.equal(by.get('name')?.required, true);
      assert.equal(by.get('name')?.kind, 'string');
      assert.equal(by.get('check')?.kind, 'boolean');
      assert.equal(by.get('email')?.format, 'email');
      assert.equal(by.get('birthdate')?.format, 'date');
      assert.deepEqual([by.get('integer')?.kind, by.get('integer')?.minimum, by.get('integer')?.maximum, by.get('integer')?.default], ['integer', 1, 100, 42]);
      assert.equal(by.get('untitledSingleSelectEnum')?.kind, 'enum');
      assert.deepEqual(by.get('titledSingleSelectEnum')?.options?.[2], { value: 'hero-3', label: 'Wonder Woman' });
      assert.equal(by.get('titledMultipleSelectEnum')?.kind, 'multi-enum');
      assert.deepEqual(by.get('legacyTitledEnum')?.options?.[1], { value: 'pet-2', label: 'Dogs' });
      // The server got typed values, defaults filled in.
      const raw = JSON.parse(text(r).split('Raw result: ')[1]) as { action: string; content: Record<string, unknown> };
      assert.equal(raw.action, 'accept');
      assert.deepEqual(raw.content, {
        name: 'Ada Lovelace',
        check: true,
        firstLine: 'It was a dark and stormy night.',
        integer: 7,
        number: 3.14,
        untitledSingleSelectEnum: 'Monica',
        untitledMultipleSelectEnum: ['Guitar'],
        titledSingleSelectEnum: 'hero-3',
        titledMultipleSelectEnum: ['fish-1', 'fish-3'],
        legacyTitledEnum: 'pet-2',
      });
    });

    it('rejects answers that break the schema (range, format, required, choices)', () => {
      const view = elicited[0];
      if (view.mode !== 'form') throw new Error('form expected');
      const r = validateForm(view.fields, { integer: '500', email: 'not-an-email', homepage: 'nope', birthdate: '31/12/1999', untitledMultipleSelectEnum: 'Guitar,Kazoo' });
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.deepEqual(Object.keys(r.errors).sort(), ['birthdate', 'email', 'homepage', 'integer', 'name', 'untitledMultipleSelectEnum']);
      assert.match(r.errors.integer, /at most 100/);
      assert.match(r.errors.name, /required/);
    });

    it('surfaces URL mode with the URL, its host and the elicitation id', async () => {
      elicited = [];
      answer = () => 'decline';
      const r = await manager.callTool('trigger-url-elicitation', { url: 'https://example.com/connect?x=1', message: 'Connect your account', elicitationId: 'el-1' });
      assert.match(text(r), /declined/i);
      assert.deepEqual(elicited[0], { mode: 'url', message: 'Connect your account', url: 'https://example.com/connect?x=1', elicitationId: 'el-1', host: 'example.com', openable: true });
    });
  });

  describe('roots', () => {
    it('gives the roots to the server and tells it when they change', async () => {
      const r1 = await manager.callTool('get-roots-list', {});
      assert.match(text(r1), new RegExp(`URI: ${pathToFileURL(os.tmpdir()).href.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      roots = rootsFromPaths([{ path: '/srv/project-a', name: 'A' }, '/srv/project-b']);
      await manager.notifyRootsChanged();
      // The server asks for the list again on the notification; poll until it has the new one.
      for (let i = 0; i < 50 && !/project-b/.test(text(await manager.callTool('get-roots-list', {}))); i++) await new Promise((r) => setTimeout(r, 100));
      const r2 = text(await manager.callTool('get-roots-list', {}));
      assert.match(r2, /1\. A\n\s+URI: file:\/\/\/srv\/project-a/);
      assert.match(r2, /2\. project-b\n\s+URI: file:\/\/\/srv\/project-b/);
    });
  });

  describe('resources', () => {
    it('lists resources and templates with their server, reads text and binary ones into chat context', async () => {
      const resources = manager.resources();
      assert.ok(resources.length >= 5);
      assert.ok(resources.every((r) => r.server === 'everything'));
      const templates = manager.resourceTemplates().map((t) => t.uriTemplate);
      assert.ok(templates.includes('demo://resource/dynamic/text/{resourceId}'), templates.join(', '));
      const doc = resources.find((r) => r.uri.endsWith('/features.md'));
      assert.ok(doc);
      const read = await manager.readResource('everything', doc.uri);
      const ctx = resourceToContext(read.contents, { server: 'everything' });
      assert.match(ctx, /^<resource uri="demo:\/\/resource\/static\/document\/features\.md" server="everything" mimeType="text\/markdown">\n/);
      assert.match(ctx, /## Tools/);
      assert.match(ctx, /<\/resource>$/);
      const capped = resourceToContext(read.contents, { maxChars: 100 });
      assert.match(capped, /more characters not included/);
      assert.ok(capped.length < 400);
      const viaTemplate = await manager.readResource('everything', 'demo://resource/dynamic/text/5');
      assert.match(JSON.stringify(viaTemplate.contents), /5/);
      await assert.rejects(manager.readResource('everything', 'demo://nope'), /server "everything": reading demo:\/\/nope failed: Resource demo:\/\/nope not found/);
    });

    it('subscribes, gets updates, and stops getting them after unsubscribing', async () => {
      const uri = manager.resources()[0].uri;
      const updates: string[] = [];
      const unsubscribe = await manager.subscribe('everything', uri, (u) => updates.push(u));
      const first = once(manager, 'resourceUpdated');
      await manager.callTool('toggle-subscriber-updates', {});
      assert.deepEqual(await first, ['everything', uri]);
      assert.deepEqual(updates, [uri]);
      await unsubscribe();
      await manager.callTool('toggle-subscriber-updates', {});
    });

    it('a ResourceWatch marks an attached resource that changed, hands its current contents to the next message once, and unsubscribes on clear', async () => {
      const [first, second] = manager.resources();
      const seen: WatchedResource[][] = [];
      const watch = new ResourceWatch(manager, { onChange: (items) => seen.push(items) });
      const logged: string[] = [];
      const onLog = (_server: string, params: LoggingMessageNotification['params']) => logged.push(String(params.data));
      manager.on('log', onLog);
      try {
        await watch.watch([
          { server: 'everything', uri: first.uri, name: first.name },
          { server: 'everything', uri: second.uri, name: second.name },
          { server: 'nowhere', uri: 'demo://x', name: 'not a server' },
        ]);
        assert.deepEqual(
          watch.list().map((w) => [w.uri, w.updated]),
          [
            [first.uri, false],
            [second.uri, false],
          ],
        );
        assert.equal(await watch.takeUpdates(), undefined, 'nothing changed yet');

        const updated = once(manager, 'resourceUpdated');
        await manager.callTool('toggle-subscriber-updates', {});
        await updated;
        await new Promise((r) => setTimeout(r, 100)); // the update for the second URI follows the first
        await manager.callTool('toggle-subscriber-updates', {});
        assert.deepEqual(
          watch.list().map((w) => w.updated),
          [true, true],
        );
        assert.ok(seen.some((items) => items.some((w) => w.updated)), 'the front was told');

        await watch.unwatch('everything', second.uri);
        const taken = await watch.takeUpdates();
        assert.ok(taken);
        assert.deepEqual(taken.names, [first.name]);
        assert.match(taken.text, /changed since they were attached/);
        const direct = resourceToContext((await manager.readResource('everything', first.uri)).contents, { server: 'everything' });
        assert.ok(taken.text.endsWith(direct), 'the current contents, delimited as an attachment is');
        assert.deepEqual(
          watch.list().map((w) => w.updated),
          [false],
        );
        assert.equal(await watch.takeUpdates(), undefined, 'handed over once');

        await watch.clear();
        assert.deepEqual(watch.list(), []);
        await new Promise((r) => setTimeout(r, 200));
        assert.ok(logged.some((l) => l.includes(`Unsubscribe Resource request: ${first.uri}`)), logged.join('\n'));
        assert.ok(logged.some((l) => l.includes(`Unsubscribe Resource request: ${second.uri}`)), 'unwatch unsubscribed');
      } finally {
        manager.off('log', onLog);
        await watch.clear();
      }
    });
  });

  describe('prompts', () => {
    it('lists prompts, gets one with arguments and turns it (embedded resource included) into chat messages', async () => {
      const names = manager.prompts().map((p) => `${p.server}/${p.name}`);
      assert.ok(names.includes('everything/args-prompt'), names.join(', '));
      const args = manager.prompts().find((p) => p.name === 'args-prompt')?.arguments;
      assert.deepEqual(args?.map((a) => [a.name, a.required ?? false]), [['city', true], ['state', false]]);
      const r = await manager.getPrompt('everything', 'resource-prompt', { resourceType: 'Text', resourceId: '3' });
      const msgs = promptToChat(r, { server: 'everything' });
      assert.equal(msgs.length, 1, 'two user messages merge into one');
      assert.equal(msgs[0].role, 'user');
      assert.match(msgs[0].content, /Please analyze the following resource:\n\n<resource uri="demo:\/\/resource\/dynamic\/text\/3" server="everything"/);
      await assert.rejects(manager.getPrompt('everything', 'no-such-prompt'), /server "everything": prompt "no-such-prompt" failed/);
    });

    it("builds the user's turn once for every front: the prompt's messages, attached resources within budget, then the text", async () => {
      const doc = manager.resources().find((r) => r.uri.endsWith('/features.md'))!;
      const plain = await buildUserTurn(manager, { text: 'summarize this', attachments: [{ server: 'everything', uri: doc.uri }] });
      assert.ok('prompt' in plain.request);
      assert.match(plain.request.prompt, /^<resource uri="demo:\/\/resource\/static\/document\/features\.md" server="everything"/);
      assert.match(plain.request.prompt, /<\/resource>\n\nsummarize this$/, 'context first, the question last');
      // Every attachment within its share: three copies of one document stay under the turn's budget.
      const big = await buildUserTurn(manager, { attachments: Array.from({ length: 5 }, () => ({ server: 'everything', uri: doc.uri })) });
      assert.ok('prompt' in big.request && big.request.prompt.length <= ATTACHMENTS_CHARS + 2_000);
      // A prompt: its messages, with the text on its last user message; a single user message is a plain prompt.
      const prompted = await buildUserTurn(manager, { prompt: { server: 'everything', name: 'args-prompt', args: { city: 'Paris' } }, text: 'in French' });
      assert.ok('prompt' in prompted.request);
      assert.match(prompted.request.prompt, /What's weather in Paris\?[\s\S]*\n\nin French$/);
      await assert.rejects(buildUserTurn(manager, { attachments: [{ server: 'everything', uri: 'demo://no/such' }] }), (err: Error) => err instanceof UserTurnError && err.message.startsWith('everything: demo://no/such: '));
    });

    it('offers completions for an argument, narrowed by the arguments already given', async () => {
      const ref = { type: 'ref/prompt' as const, name: 'completable-prompt' };
      const departments = await manager.complete('everything', ref, { name: 'department', value: 'S' });
      assert.deepEqual(departments.values, ['Sales', 'Support']);
      const names = await manager.complete('everything', ref, { name: 'name', value: '' }, { department: 'Engineering' });
      assert.deepEqual(names.values, ['Alice', 'Bob', 'Charlie']);
    });
  });

  describe('logging', () => {
    it('sets the log level (kept across a restart) and emits the server\'s log messages', async () => {
      const logs: LoggingMessageNotification['params'][] = [];
      const onLog = (_s: string, p: LoggingMessageNotification['params']) => logs.push(p);
      manager.on('log', onLog);
      try {
        const uri = manager.resources()[1].uri;
        // The server logs each subscribe at "info"; a notification arrives before the response it precedes.
        assert.deepEqual(await manager.setLogLevel(undefined, 'info'), ['everything']);
        await manager.subscribe('everything', uri);
        assert.ok(logs.some((l) => l.level === 'info' && /Subscribe Resource request/.test(String(l.data))), JSON.stringify(logs));
        logs.length = 0;
        assert.deepEqual(await manager.setLogLevel('everything', 'error'), ['everything']);
        await manager.unsubscribe('everything', uri);
        await manager.subscribe('everything', uri);
        assert.equal(logs.length, 0, JSON.stringify(logs));
        await manager.restart('everything');
        await manager.unsubscribe('everything', uri);
        await manager.subscribe('everything', uri);
        assert.deepEqual(logs.filter((l) => /subscribe/i.test(String(l.data))), [], 'the level holds after a restart');
        await manager.unsubscribe('everything', uri);
      } finally {
        manager.off('log', onLog);
      }
    });
  });
});
