/**
 * Messages typed while a turn runs, in real Chromium: queued (shown as queued), editable, removable, sent one per
 * turn as turns end; Stop stays available and puts queued messages back into the input.
 *
 *   npx mocha --no-config --node-option import=tsx --extension ts --timeout 120000 test/webview/queue.test.ts
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { HostMessage, TurnEvent, WebviewMessage } from '../../src/shared/protocol';
import { ARTIFACTS, suiteHarness } from './harness';

const STATE: HostMessage = { type: 'state', provider: 'openai', model: 'gpt-4o', servers: [], conversations: [], restricted: false, locale: 'en' };
const ev = (turnId: string, event: TurnEvent): HostMessage => ({ type: 'turnEvent', turnId, event });

describe('chat webview: queued messages (Chromium)', function () {
  const suite = suiteHarness();

  it('queues, edits, removes and sends queued messages one per turn; Stop stays and gives them back', async () => {
    const chat = await suite.open({ theme: 'dark', width: 420, height: 640 });
    const { page } = chat;
    const sends = async () => (await chat.posted()).filter((m): m is Extract<WebviewMessage, { type: 'send' }> => m.type === 'send').map((m) => m.text);
    const queued = () => page.locator('.queued-message .queued-text').allTextContents();
    const input = page.locator('.composer textarea');

    await chat.send(STATE);
    await input.fill('first');
    await page.keyboard.press('Enter');
    await chat.send({ type: 'turnStart', turnId: 't1', userText: 'first' }, ev('t1', { type: 'text', delta: 'Working on it…' }));

    await input.fill('second');
    await page.keyboard.press('Enter');
    await input.fill('third');
    assert.equal(await page.locator('.queue-button').isVisible(), true, 'a send button for the queue while typing');
    await page.locator('.queue-button').click();
    assert.deepEqual(await queued(), ['second', 'third']);
    assert.equal(await page.locator('.queued-message').first().locator('.queued-label').textContent(), 'Queued');
    assert.equal(await page.locator('.send-button').getAttribute('aria-label'), 'Stop', 'Stop stays available');
    assert.deepEqual(await sends(), ['first'], 'nothing queued was sent early');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'webview-queued-messages.png') });

    await page.locator('.queued-message', { hasText: 'third' }).locator('.queued-remove').click();
    await input.fill('fourth');
    await page.keyboard.press('Enter');
    assert.deepEqual(await queued(), ['second', 'fourth']);
    await page.locator('.queued-message', { hasText: 'second' }).locator('.queued-edit').click();
    assert.equal(await input.inputValue(), 'second');
    await input.fill('second, edited');
    await page.keyboard.press('Enter');
    assert.deepEqual(await queued(), ['fourth', 'second, edited']);

    // The turn ends: the oldest queued message goes, and only it.
    await chat.send(ev('t1', { type: 'done', stopReason: 'completed' }));
    await chat.waitForPosted((m) => m.type === 'send' && m.text === 'fourth');
    assert.deepEqual(await queued(), ['second, edited']);
    assert.equal(await page.locator('.message.user.pending').textContent(), 'fourth');
    await chat.send({ type: 'turnStart', turnId: 't2', userText: 'fourth' }, ev('t2', { type: 'done', stopReason: 'completed' }));
    await chat.waitForPosted((m) => m.type === 'send' && m.text === 'second, edited');
    assert.deepEqual(await queued(), []);
    assert.equal(await page.locator('.message-queue').isVisible(), false);

    // Stop: what was queued comes back into the input, unsent.
    await chat.send({ type: 'turnStart', turnId: 't3', userText: 'second, edited' });
    await input.fill('maybe later');
    await page.keyboard.press('Enter');
    await page.locator('.send-button').click();
    await chat.waitForPosted((m) => m.type === 'stop');
    await chat.send(ev('t3', { type: 'done', stopReason: 'cancelled' }));
    assert.equal(await input.inputValue(), 'maybe later');
    assert.deepEqual(await sends(), ['first', 'fourth', 'second, edited']);
  });
});
