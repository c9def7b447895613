/**
 * The chat webview's context meter, compaction button and context notes in real Chromium.
 *
 *   npx mocha --no-config --node-option import=tsx --extension ts --timeout 60000 test/webview/context.test.ts
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { HostMessage, TurnEvent } from '../../src/shared/protocol';
import { ARTIFACTS, suiteHarness } from './harness';

const STATE: HostMessage = { type: 'state', provider: 'openai', model: 'qwen2.5-coder', servers: [], conversations: [], restricted: false, locale: 'en' };
const ev = (event: TurnEvent): HostMessage => ({ type: 'turnEvent', turnId: 't1', event });
const METER = { used: 11_900, budget: 13_400, window: 16_384, source: 'endpoint', system: 820, tools: 2_100, history: 3_980, results: 5_000, summarized: 0 };

describe('chat webview: context meter (Chromium)', function () {
  const suite = suiteHarness();

  it('shows how full the window is, its breakdown, and a Compact button that asks the host', async () => {
    const chat = await suite.open({ theme: 'dark', width: 420, height: 520 });
    const { page } = chat;
    await chat.send(STATE, { type: 'turnStart', turnId: 't1', userText: 'Summarize the build logs' });
    assert.ok(await page.locator('.context-meter').isHidden(), 'no meter before anything was measured');

    await chat.send(ev({ type: 'context', meter: { ...METER, used: 4_200 } }));
    assert.equal(await page.locator('.context-label').textContent(), '31%');
    assert.ok(!(await page.locator('.context-meter').evaluate((el) => el.classList.contains('high'))));

    await chat.send(
      ev({ type: 'context', note: 'The conversation is near the model\'s context window: the 12 oldest messages are summarized for the model (you still see them all).' }),
      ev({ type: 'context', meter: { ...METER, summarized: 12 } }),
      ev({ type: 'text', delta: 'The build failed in **step 3**.' }),
      ev({ type: 'done', stopReason: 'completed', conversationId: 'c1', totals: { promptTokens: 38_400, completionTokens: 1_250, cachedTokens: 21_000, totalTokens: 39_650, turns: 6, cost: 0.0734 } }),
    );
    // The conversation's running total beside the meter, with its cost (llm.pricing set).
    const usage = page.locator('.composer .usage');
    assert.equal(await usage.textContent(), '39.7K · $0.07');
    assert.match((await usage.getAttribute('title')) ?? '', /This conversation: 38,400 tokens in \(21,000 from the prompt cache\), 1,250 out, over 6 turns\nCost at llm.pricing: \$0\.07/);
    const meter = page.locator('.context-meter');
    assert.equal(await page.locator('.context-label').textContent(), '89%');
    assert.ok(await meter.evaluate((el) => el.classList.contains('high')), 'past 85% the bar says so');
    assert.equal(await meter.getAttribute('aria-valuenow'), '11900');
    assert.equal(await meter.getAttribute('aria-valuemax'), '13400');
    const title = (await meter.getAttribute('title')) ?? '';
    assert.match(title, /^11,900 of 13,400 tokens\n/);
    assert.match(title, /Context window 16,384 tokens \(endpoint\)\. Last request: system 820, tools 2,100, conversation 3,980, tool results 5,000/);
    assert.match(title, /The 12 oldest messages are summarized/);
    const width = await page.locator('.context-fill').evaluate((el) => (el as HTMLElement).style.width);
    assert.equal(width, '88.8%');
    assert.match((await page.locator('.context-note').textContent()) ?? '', /12 oldest messages are summarized/);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'webview-context-meter.png') });

    await chat.clearPosted();
    await page.locator('.compact-button').click();
    assert.deepEqual(await chat.waitForPosted((m) => m.type === 'compact'), { type: 'compact' });

    // A reopened conversation shows its totals at once (no pricing: tokens only, a cheap one to the cent's fraction).
    await chat.send({ type: 'conversation', id: 'c2', items: [{ kind: 'user', text: 'hi' }, { kind: 'assistant', text: 'hello' }], totals: { promptTokens: 900, completionTokens: 40, cachedTokens: 0, totalTokens: 940, turns: 1 } });
    assert.equal(await usage.textContent(), '940 tokens');
    await chat.send({ type: 'conversation', id: 'c3', items: [{ kind: 'user', text: 'hi' }], totals: { promptTokens: 900, completionTokens: 40, cachedTokens: 0, totalTokens: 940, turns: 1, cost: 0.0021 } });
    assert.equal(await usage.textContent(), '940 · $0.0021');
    // A reopened conversation marks where the model's view was compacted.
    await chat.send({ type: 'conversation', id: 'c4', items: [{ kind: 'user', text: 'one' }, { kind: 'assistant', text: 'first' }, { kind: 'note', text: 'From here on the model sees the 2 messages above as a summary; you still see them all.' }, { kind: 'user', text: 'two' }, { kind: 'assistant', text: 'second' }] });
    const notes = page.locator('.transcript .context-note');
    assert.equal(await notes.count(), 1);
    assert.match((await notes.textContent()) ?? '', /the 2 messages above as a summary/);
    assert.equal(await page.locator('.message.user').count(), 2, 'every message is still shown');
    // A new chat has none.
    await chat.send({ type: 'conversation', items: [] });
    assert.ok(await usage.isHidden());
  });

  it('in a side-bar-narrow panel every toolbar button stays inside the input box, the meter as a share', async () => {
    const chat = await suite.open({ theme: 'dark', width: 270, height: 420 });
    const { page } = chat;
    await chat.send(STATE, { type: 'turnStart', turnId: 't1', userText: 'hi' }, ev({ type: 'context', meter: METER }), ev({ type: 'text', delta: 'Hello.' }));
    await chat.send(ev({ type: 'done', stopReason: 'completed', conversationId: 'c1', totals: { promptTokens: 38_400, completionTokens: 1_250, cachedTokens: 0, totalTokens: 39_650, turns: 6 } }));
    const box = (await page.locator('.input-box').boundingBox())!;
    for (const sel of ['.model-chip', '.context-meter', '.compact-button', '.picture-button', '.attach-button', '.send-button']) {
      const b = (await page.locator(`.input-toolbar ${sel}`).boundingBox())!;
      assert.ok(b && b.x >= box.x && b.x + b.width <= box.x + box.width + 0.5, `${sel} at ${b?.x}+${b?.width} is outside the input box (${box.x}+${box.width})`);
    }
    assert.ok(await page.locator('.composer .usage').isHidden(), 'no room for the totals: they give way');
    assert.equal(await page.locator('.context-label').textContent(), '89%');
    // Out of sight, the totals are still in reach: in the meter's tooltip.
    assert.match((await page.locator('.context-meter').getAttribute('title')) ?? '', /\nThis conversation: 38,400 tokens in/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'webview-context-meter-narrow.png') });
  });
});
