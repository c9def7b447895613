/**
 * Per-tool switches in the server list, in real Chromium: each server's tools with a checkbox; unchecking posts
 * toggleTool, a tool switched off by a pattern cannot be switched on here, and the list stays open across updates.
 *
 *   npx mocha --no-config --node-option import=tsx --extension ts --timeout 120000 test/webview/toolSwitches.test.ts
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { HostMessage, ServerSummary } from '../../src/shared/protocol';
import { ARTIFACTS, suiteHarness } from './harness';

const everything = (disabled: string[], pattern: string[] = []): ServerSummary => ({
  name: 'everything',
  state: 'connected',
  transport: 'stdio',
  toolCount: 3,
  tools: ['echo', 'get-sum', 'get-tiny-image'].map((tool) => {
    const name = `everything__${tool}`;
    return { name, tool, disabled: disabled.includes(name) || pattern.includes(name), ...(pattern.includes(name) ? { byPattern: true } : {}) };
  }),
});
const state = (servers: ServerSummary[]): HostMessage => ({ type: 'state', provider: 'openai', model: 'gpt-4o', servers, conversations: [], restricted: false, locale: 'en' });

describe('chat webview: per-tool switches (Chromium)', function () {
  const suite = suiteHarness();

  it("lists a server's tools with checkboxes; unchecking posts toggleTool; the list stays open across updates", async () => {
    const chat = await suite.open({ theme: 'dark', width: 420, height: 520 });
    const { page } = chat;
    await chat.send(state([everything([])]));
    await page.locator('.server-strip').click();
    const item = page.locator('.server-item[data-server="everything"]');
    await item.locator('.server-tools > summary').click();
    assert.equal(await item.locator('.server-tools > summary').textContent(), '3 tools');
    const boxes = item.locator('input.tool-switch');
    assert.equal(await boxes.count(), 3);
    assert.deepEqual(await item.locator('.tool-switch-row span').allTextContents(), ['echo', 'get-sum', 'get-tiny-image']);

    await chat.clearPosted();
    await item.locator('input.tool-switch[data-tool="everything__get-sum"]').click();
    assert.deepEqual(await chat.waitForPosted((m) => m.type === 'toggleTool'), { type: 'toggleTool', name: 'everything__get-sum', enabled: false });

    // The host answers with the new list: still open, the tool unchecked, the count says so.
    await chat.send({ type: 'servers', servers: [everything(['everything__get-sum'])] });
    assert.ok(await item.locator('.server-tools').evaluate((d) => (d as HTMLDetailsElement).open), 'the list stayed open');
    assert.equal(await item.locator('.server-tools > summary').textContent(), '3 tools, 1 switched off');
    assert.equal(await item.locator('input.tool-switch[data-tool="everything__get-sum"]').isChecked(), false);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'webview-tool-switches.png') });

    // Switched off by a pattern (`everything__get-*`): shown off, and not switchable here.
    await chat.send({ type: 'servers', servers: [everything([], ['everything__get-sum', 'everything__get-tiny-image'])] });
    const patterned = item.locator('input.tool-switch[data-tool="everything__get-tiny-image"]');
    assert.equal(await patterned.isDisabled(), true);
    assert.equal(await patterned.isChecked(), false);
  });
});
