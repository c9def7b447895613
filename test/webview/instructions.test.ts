/**
 * The panel says which instructions the agent follows: a book with their count beside the model, the sources in its
 * tooltip; nothing when there are none.
 *
 *   npx mocha --no-config --node-option import=tsx --extension ts --timeout 120000 test/webview/instructions.test.ts
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { HostMessage } from '../../src/shared/protocol';
import { ARTIFACTS, suiteHarness } from './harness';

const STATE: HostMessage = { type: 'state', provider: 'openai', model: 'gpt-4o', servers: [], conversations: [], restricted: false, locale: 'en' };

describe('chat webview: instructions in use (Chromium)', function () {
  const suite = suiteHarness();

  it('shows the count and names the sources; hides when there are none', async () => {
    const chat = await suite.open({ theme: 'dark', width: 420, height: 360 });
    const { page } = chat;
    const chip = page.locator('.instructions-chip');
    await chat.send(STATE);
    assert.equal(await chip.isVisible(), false);
    await chat.send({ ...STATE, instructions: ['AGENTS.md', 'CLAUDE.md', 'settings'] });
    assert.equal(await chip.isVisible(), true);
    assert.equal(await chip.textContent(), '3');
    assert.equal(await chip.getAttribute('title'), 'Instructions in use: AGENTS.md, CLAUDE.md, your settings (mcpAgent.instructions)');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'webview-instructions-chip.png') });
    await chat.send({ ...STATE, instructions: [] });
    assert.equal(await chip.isVisible(), false);
  });
});
