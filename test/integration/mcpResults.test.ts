/**
 * MCP results reach the model in full: a tool's image goes to a vision model as an image part (and as a note to
 * others), a resource link can be followed with read_resource, content meant only for the user stays out of the
 * model's view, and structured content goes beside the text. Against server-everything (from npm) and the scripted
 * OpenAI-compatible endpoint, which records the wire requests.
 */
import * as assert from 'node:assert/strict';
import { resultImages, resultText } from '../../src/core/agent/results';
import { seesImages } from '../../src/core/llm/vision';
import { startScriptedOpenAI, type RecordedRequest, type ScriptedOpenAI, type WireMessage } from '../fixtures/scriptedOpenAI';
import { scriptedRuntime } from '../helpers/runtime';
import { everythingDef } from '../helpers/servers';

type Part = { type: string; text?: string; image_url?: { url: string } };

function messagesOf(req: RecordedRequest): WireMessage[] {
  return req.body.messages ?? [];
}
function toolMessages(req: RecordedRequest): string[] {
  return messagesOf(req).filter((m) => m.role === 'tool').map((m) => String(m.content));
}
function imageParts(req: RecordedRequest): Part[] {
  return messagesOf(req).flatMap((m) => (Array.isArray(m.content) ? (m.content as Part[]) : [])).filter((p) => p.type === 'image_url');
}

describe('MCP results in full (server-everything)', function () {
  this.timeout(120_000);
  let srv: ScriptedOpenAI;
  const closers: Array<() => Promise<unknown>> = [];

  before(async () => {
    srv = await startScriptedOpenAI();
    closers.push(() => srv.close());
  });
  after(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  });

  async function agentFor(model: string, llm: Record<string, unknown> = {}) {
    const rt = await scriptedRuntime(srv.url, { model, contextWindow: 128_000, ...llm }, 'results');
    closers.push(() => rt.dispose());
    await rt.manager.apply([everythingDef()]);
    const { agent } = await rt.agent();
    return { chat: agent.chat.bind(agent), store: rt.store };
  }

  it("a tool's image reaches a vision model as an image part after the tool results, and is stored with the result", async () => {
    const agent = await agentFor('gpt-4o');
    srv.enqueue({ toolCalls: [{ name: 'everything__get-tiny-image', arguments: {} }] }, { text: 'A tiny MCP logo.' });
    const before = srv.chatRequests.length;
    const r = await agent.chat({ prompt: 'Show me the tiny image.' });
    assert.equal(r.stopReason, 'completed', r.error);
    const answering = srv.chatRequests[before + 1];
    const images = imageParts(answering);
    assert.equal(images.length, 1);
    assert.match(images[0].image_url!.url, /^data:image\/png;base64,iVBORw0KGgo/);
    assert.match(toolMessages(answering)[0], /\[image: image\/png, about \d+ bytes; attached as image 1\]/);
    // The picture follows the tool messages (Chat Completions takes none inside them), as the last message.
    const msgs = messagesOf(answering);
    assert.equal(msgs.at(-1)?.role, 'user');
    assert.equal(msgs.at(-2)?.role, 'tool');
    // Stored with its result, so a later request (or a reopened conversation) still has the picture.
    const stored = await agent.store.load(r.conversation_id!);
    const tool = stored.messages.find((m) => m.role === 'tool');
    assert.equal(tool?.role === 'tool' && tool.images?.[0]?.mimeType, 'image/png');
  });

  it('a model that does not see images gets the note only', async () => {
    assert.equal(seesImages('qwen2.5-coder:7b'), false);
    const agent = await agentFor('qwen2.5-coder:7b');
    srv.enqueue({ toolCalls: [{ name: 'everything__get-tiny-image', arguments: {} }] }, { text: 'There is an image I cannot see.' });
    const before = srv.chatRequests.length;
    await agent.chat({ prompt: 'Show me the tiny image.' });
    const answering = srv.chatRequests[before + 1];
    assert.equal(imageParts(answering).length, 0);
    assert.match(toolMessages(answering)[0], /\[image: image\/png, about \d+ bytes\]/);
    assert.doesNotMatch(toolMessages(answering)[0], /attached/);
  });

  it('llm.vision: true sends images to a model the family table does not know', async () => {
    const agent = await agentFor('my-local-multimodal', { vision: true });
    srv.enqueue({ toolCalls: [{ name: 'everything__get-tiny-image', arguments: {} }] }, { text: 'Seen.' });
    const before = srv.chatRequests.length;
    await agent.chat({ prompt: 'Look.' });
    assert.equal(imageParts(srv.chatRequests[before + 1]).length, 1);
  });

  it('a resource link is followed with read_resource, and its contents reach the model', async () => {
    const agent = await agentFor('gpt-4o-mini');
    let linked = '';
    srv.enqueue(
      { toolCalls: [{ name: 'everything__get-resource-links', arguments: { count: 2 } }] },
      (req) => {
        // The model reads the link the tool gave it, as a model would.
        const links = toolMessages(req)[0];
        linked = /\[resource link: (\S+) \(Text Resource 2\), text\/plain/.exec(links)?.[1] ?? '';
        return { toolCalls: [{ name: 'read_resource', arguments: { server: 'everything', uri: linked } }] };
      },
      { text: 'Resource 2 is plain text.' },
    );
    const before = srv.chatRequests.length;
    const r = await agent.chat({ prompt: 'What do the linked resources say?' });
    assert.equal(r.stopReason, 'completed', r.error);
    assert.ok(linked.startsWith('demo://'), `the link the model saw: ${linked}`);
    const read = toolMessages(srv.chatRequests[before + 2]).at(-1)!;
    assert.match(read, new RegExp(`\\[${linked.replace(/[/.]/g, '\\$&')} \\(text/plain\\)\\]\\n`));
    assert.match(read, /Resource 2/);
    // A server that is not there is a clear error for the model, not a crash.
    srv.enqueue({ toolCalls: [{ name: 'read_resource', arguments: { server: 'nope', uri: linked } }] }, { text: 'ok' });
    const at = srv.chatRequests.length;
    await agent.chat({ prompt: 'again' });
    assert.match(toolMessages(srv.chatRequests[at + 1]).at(-1)!, /there is no MCP server "nope"; the servers are: everything/);
  });

  it("content for the user only (audience: ['user']) is shown but not sent to the model", async () => {
    const agent = await agentFor('gpt-4o');
    srv.enqueue({ toolCalls: [{ name: 'everything__get-annotated-message', arguments: { messageType: 'success', includeImage: true } }] }, { text: 'Done.' });
    const before = srv.chatRequests.length;
    const shown: string[] = [];
    await agent.chat({ prompt: 'Run it.', onEvent: (e) => e.type === 'tool_result' && shown.push(e.content) });
    assert.match(shown[0], /Operation completed successfully/, 'the user sees it');
    const sent = toolMessages(srv.chatRequests[before + 1])[0];
    assert.doesNotMatch(sent, /Operation completed successfully/);
    assert.equal(imageParts(srv.chatRequests[before + 1]).length, 0, "the user-only image is not sent either");
  });

  it('an embedded image resource goes as a picture too; other binary resources stay a note', () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const result = {
      content: [
        { type: 'resource' as const, resource: { uri: 'chart://q3', mimeType: 'image/png', blob: png } },
        { type: 'resource' as const, resource: { uri: 'file:///a.zip', mimeType: 'application/zip', blob: 'UEsDBA==' } },
      ],
    };
    assert.deepEqual(resultImages(result), [{ mimeType: 'image/png', data: png }]);
    assert.equal(resultText(result, { for: 'model', images: true }), '[binary resource chart://q3, image/png; attached as image 1]\n[binary resource file:///a.zip, application/zip]');
    assert.equal(resultText(result, { for: 'model', images: false }), '[binary resource chart://q3, image/png]\n[binary resource file:///a.zip, application/zip]');
  });

  it('structured content goes beside text that does not already say it, once', () => {
    const weather = { city: 'Paris', tempC: 21, conditions: 'Sunny' };
    const model = resultText({ content: [{ type: 'text', text: 'Sunny, 21 °C in Paris.' }], structuredContent: weather }, { for: 'model' });
    assert.equal(model, `Sunny, 21 °C in Paris.\n[structured content] ${JSON.stringify(weather)}`);
    // The same JSON as text (server-everything's get-structured-content, built-ins): not repeated.
    assert.equal(resultText({ content: [{ type: 'text', text: JSON.stringify(weather) }], structuredContent: weather }, { for: 'model' }), JSON.stringify(weather));
    // People see the text as the server wrote it.
    assert.equal(resultText({ content: [{ type: 'text', text: 'Sunny, 21 °C in Paris.' }], structuredContent: weather }), 'Sunny, 21 °C in Paris.');
  });
});
