/**
 * Images from the user: with a message to a vision model (the agent, `mcp-agent chat --image`, the HTTP API's
 * OpenAI-style image parts), refused with a clear message before anything is sent when the model does not see images
 * or the image is of the wrong type or size. Against the scripted endpoint, which records the wire requests.
 */
import * as assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ChatRequestError } from '../../src/core/agent/Agent';
import { startScriptedOpenAI, type RecordedRequest, type ScriptedOpenAI } from '../fixtures/scriptedOpenAI';
import { agentEnv, makeWorkspace, parseJson, request, startServe } from '../helpers/api';
import { runCli } from '../helpers/cli';
import { scriptedRuntime } from '../helpers/runtime';

// A 1x1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

type Part = { type: string; text?: string; image_url?: { url: string } };
function lastUserParts(req: RecordedRequest): Part[] {
  const user = (req.body.messages ?? []).filter((m) => m.role === 'user').at(-1);
  return Array.isArray(user?.content) ? (user.content as Part[]) : [{ type: 'text', text: String(user?.content) }];
}

describe('images from the user', function () {
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

  async function runtime(model: string) {
    const rt = await scriptedRuntime(srv.url, { model, contextWindow: 128_000 }, 'images');
    closers.push(() => rt.dispose());
    return rt;
  }

  it('go to a vision model as image parts beside the text, and are stored with the message', async () => {
    const rt = await runtime('gpt-4o');
    const { agent } = await rt.agent();
    srv.enqueue({ text: 'A single pixel.' });
    const r = await agent.chat({ prompt: 'What is this?', images: [{ mimeType: 'image/png', data: PNG }] });
    assert.equal(r.stopReason, 'completed', r.error);
    const parts = lastUserParts(srv.chatRequests.at(-1)!);
    assert.deepEqual(parts.map((p) => p.type), ['text', 'image_url']);
    assert.equal(parts[1].image_url?.url, `data:image/png;base64,${PNG}`);
    const stored = await rt.store.load(r.conversation_id!);
    const user = stored.messages.find((m) => m.role === 'user');
    assert.deepEqual(user?.role === 'user' && user.images, [{ mimeType: 'image/png', data: PNG }]);
  });

  it('are refused before anything is sent: a model that does not see images, a wrong type, a picture too large', async () => {
    const before = srv.chatRequests.length;
    const blind = (await (await runtime('qwen2.5-coder:7b')).agent()).agent;
    await assert.rejects(blind.chat({ prompt: 'What is this?', images: [{ mimeType: 'image/png', data: PNG }] }), (err: Error) => err instanceof ChatRequestError && /qwen2\.5-coder:7b does not take images; use a vision model, or set llm\.vision: true/.test(err.message));
    const vision = (await (await runtime('gpt-4o')).agent()).agent;
    await assert.rejects(vision.chat({ prompt: 'x', images: [{ mimeType: 'image/svg+xml', data: 'PHN2Zz4=' }] }), /image\/svg\+xml is not an image type models take; use PNG, JPEG, GIF or WebP/);
    await assert.rejects(vision.chat({ prompt: 'x', images: [{ mimeType: 'image/png', data: 'A'.repeat(8 * 1024 * 1024) }] }), /6\.0 MB is over the 5 MB limit/);
    assert.equal(srv.chatRequests.length, before, 'nothing reached the model');
  });

  it('mcp-agent chat --image FILE sends the picture; a missing file or a blind model is a usage error (exit 2)', async () => {
    const ws = await makeWorkspace();
    const shot = path.join(ws.dir, 'shot.png');
    await writeFile(shot, Buffer.from(PNG, 'base64'));
    srv.enqueue({ text: 'One pixel.' });
    const ok = await runCli(['chat', '--image', shot, 'What is in the picture?'], { cwd: ws.dir, env: agentEnv(ws, srv.url, { OPENAI_MODEL: 'gpt-4o' }) });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /One pixel\./);
    assert.equal(lastUserParts(srv.chatRequests.at(-1)!)[1]?.image_url?.url, `data:image/png;base64,${PNG}`);

    const missing = await runCli(['chat', '--image', path.join(ws.dir, 'nope.png'), 'hi'], { cwd: ws.dir, env: agentEnv(ws, srv.url, { OPENAI_MODEL: 'gpt-4o' }) });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--image .*nope\.png: no such file/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
    const blind = await runCli(['chat', '--image', shot, 'hi'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
    assert.equal(blind.code, 2);
    assert.match(blind.stderr, /does not take images/);
  });

  it('the HTTP API takes OpenAI-style image parts in the user message, and only data: URLs', async () => {
    const ws = await makeWorkspace();
    const api = await startServe(['--yes'], { cwd: ws.dir, env: agentEnv(ws, srv.url, { OPENAI_MODEL: 'gpt-4o' }) });
    closers.push(() => api.stop());
    srv.enqueue({ text: 'A pixel, again.' });
    const content = [
      { type: 'text', text: 'And this one?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
    ];
    const r = await request(api.port, '/chat', { body: { messages: [{ role: 'user', content }] } });
    assert.equal(r.status, 200, r.text);
    assert.equal(parseJson<{ reply: string }>(r).reply, 'A pixel, again.');
    assert.equal(lastUserParts(srv.chatRequests.at(-1)!)[1]?.image_url?.url, `data:image/png;base64,${PNG}`);

    const before = srv.chatRequests.length;
    const remote = await request(api.port, '/chat', { body: { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] } });
    assert.equal(remote.status, 400);
    assert.match(parseJson<{ error: string }>(remote).error, /messages\[0\]\.content\[0\]: only data: URLs/);
    assert.equal(srv.chatRequests.length, before);
  });
});
