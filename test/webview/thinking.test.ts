/**
 * A reasoning model's thinking in the chat webview, in real Chromium: a "Thinking" block streams open, folds when
 * the answer starts, stays as the user left it, starts afresh after a tool call, and comes back folded with a
 * stored conversation. The copy button copies the answer only.
 *
 *   npx mocha --no-config --node-option import=tsx --extension ts --timeout 120000 test/webview/thinking.test.ts
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { HostMessage, TurnEvent } from '../../src/shared/protocol';
import { ARTIFACTS, suiteHarness } from './harness';

const STATE: HostMessage = { type: 'state', provider: 'openai', model: 'deepseek-reasoner', servers: [], conversations: [], restricted: false, locale: 'en' };
const ev = (turnId: string, event: TurnEvent): HostMessage => ({ type: 'turnEvent', turnId, event });

function pieces(turnId: string, type: 'text' | 'reasoning', text: string, size = 7): HostMessage[] {
  const out: HostMessage[] = [];
  for (let i = 0; i < text.length; i += size) out.push(ev(turnId, { type, delta: text.slice(i, i + size) }));
  return out;
}

const THOUGHT = 'The user asks why the build fails. The log mentions **TS2307**, so a module is missing.\n\nI should check `tsconfig.json` paths first.';
const ANSWER = 'The build fails because `@app/core` is not in `paths`. Add it to `tsconfig.json`.';

describe('chat webview: the Thinking block (Chromium)', function () {
  const suite = suiteHarness();

  it('streams thinking open, folds it when the answer starts, and keeps it out of the answer', async () => {
    const chat = await suite.open({ theme: 'dark', width: 440, height: 620 });
    const { page } = chat;
    const blocks = page.locator('.message.assistant .thinking');
    await chat.send(STATE, { type: 'turnStart', turnId: 't1', userText: 'Why does the build fail?' });
    await chat.send(...pieces('t1', 'reasoning', THOUGHT));
    await chat.frames(3);
    assert.equal(await blocks.count(), 1);
    assert.equal(await blocks.first().evaluate((d) => (d as HTMLDetailsElement).open), true, 'open while the model thinks');
    assert.equal(await blocks.first().locator('summary').textContent(), 'Thinking…');
    assert.equal(await blocks.first().locator('.thinking-body strong').textContent(), 'TS2307', 'thinking is Markdown');
    assert.ok(!(await page.locator('.working').isVisible()), 'no "Working…" while thinking streams');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'webview-thinking-streaming.png') });

    await chat.send(...pieces('t1', 'text', ANSWER));
    await chat.frames(3);
    assert.equal(await blocks.first().evaluate((d) => (d as HTMLDetailsElement).open), false, 'folded when the answer starts');
    assert.equal(await blocks.first().locator('summary').textContent(), 'Thinking');
    assert.ok(await blocks.first().locator('.thinking-body').isHidden());

    // After a tool call, new thinking gets a block of its own; the user's choice to keep the first one open stays.
    await blocks.first().locator('summary').click();
    await chat.send(
      ev('t1', { type: 'tool_call', id: 'c1', name: 'search', arguments: '{"query":"@app/core"}' }),
      ev('t1', { type: 'tool_result', id: 'c1', name: 'search', isError: false, content: 'tsconfig.json:4: "paths": {}', durationMs: 12 }),
      ...pieces('t1', 'reasoning', 'The paths map is empty, as suspected.'),
    );
    await chat.frames(3);
    assert.equal(await blocks.count(), 2);
    assert.equal(await blocks.nth(1).evaluate((d) => (d as HTMLDetailsElement).open), true);
    await chat.send(...pieces('t1', 'text', ' Confirmed.'), ev('t1', { type: 'done', stopReason: 'completed' }));
    await chat.frames(3);
    assert.equal(await blocks.nth(0).evaluate((d) => (d as HTMLDetailsElement).open), true, 'left open by the user');
    assert.equal(await blocks.nth(1).evaluate((d) => (d as HTMLDetailsElement).open), false);
    await blocks.nth(0).locator('summary').click();

    // The answer's text (copy) has no thinking in it.
    await page.locator('.message-copy').click();
    const copy = (await chat.posted()).filter((m) => m.type === 'copy').pop();
    assert.ok(copy && copy.type === 'copy');
    assert.doesNotMatch(copy.text, /TS2307|suspected/);
    assert.match(copy.text, /Confirmed\./);
    await page.screenshot({ path: path.join(ARTIFACTS, 'webview-thinking-folded.png') });
  });

  it('shows stored thinking folded when a conversation is reopened', async () => {
    const chat = await suite.open({ theme: 'light', width: 440, height: 480 });
    const { page } = chat;
    await chat.send(STATE, {
      type: 'conversation',
      id: 'c1',
      items: [
        { kind: 'user', text: 'Why does the build fail?' },
        { kind: 'assistant', text: '', reasoning: 'Look at the config first.' },
        { kind: 'tool', id: 'c1', name: 'search', arguments: '{"query":"paths"}', result: 'tsconfig.json:4' },
        { kind: 'assistant', text: ANSWER, reasoning: THOUGHT },
      ],
    });
    await chat.frames(2);
    const blocks = page.locator('.thinking');
    assert.equal(await blocks.count(), 2);
    for (let i = 0; i < 2; i++) assert.equal(await blocks.nth(i).evaluate((d) => (d as HTMLDetailsElement).open), false);
    assert.equal(await blocks.first().locator('summary').textContent(), 'Thinking');
    await blocks.nth(1).locator('summary').click();
    assert.match((await blocks.nth(1).locator('.thinking-body').textContent()) ?? '', /TS2307/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'webview-thinking-stored-light.png') });
  });
});
