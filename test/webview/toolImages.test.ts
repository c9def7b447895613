/**
 * A tool's pictures on its card in real Chromium: thumbnails of the image the tool returned (server-everything's tiny
 * image), shown without opening the result; anything that is not an image data URL of a known type is not drawn.
 *
 *   npx mocha --no-config --node-option import=tsx --extension ts --timeout 120000 test/webview/toolImages.test.ts
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { HostMessage, TurnEvent } from '../../src/shared/protocol';
import { ARTIFACTS, suiteHarness } from './harness';

const STATE: HostMessage = { type: 'state', provider: 'openai', model: 'gpt-4o', servers: [], conversations: [], restricted: false, locale: 'en' };
const ev = (event: TurnEvent): HostMessage => ({ type: 'turnEvent', turnId: 't1', event });

describe('chat webview: images in tool cards (Chromium)', function () {
  const suite = suiteHarness();
  let tiny: string;

  before(async () => {
    // @ts-expect-error: a JavaScript module of the server package, without types
    tiny = (await import('@modelcontextprotocol/server-everything/dist/tools/get-tiny-image.js')).MCP_TINY_IMAGE as string;
  });

  it("shows the tool's image as a thumbnail, and draws nothing that is not an image", async () => {
    const chat = await suite.open({ theme: 'dark', width: 420, height: 420 });
    const { page } = chat;
    await chat.send(STATE, { type: 'turnStart', turnId: 't1', userText: 'Show me the tiny image' });
    await chat.send(
      ev({ type: 'tool_call', id: 'c1', name: 'everything__get-tiny-image', server: 'everything', arguments: '{}' }),
      ev({
        type: 'tool_result',
        id: 'c1',
        name: 'everything__get-tiny-image',
        isError: false,
        content: '[image: image/png, about 1500 bytes; attached as image 1]',
        durationMs: 12,
        images: [
          { mimeType: 'image/png', data: tiny },
          { mimeType: 'image/svg+xml', data: 'PHN2Zz48L3N2Zz4=' },
          { mimeType: 'image/png', data: 'x" onerror="alert(1)' },
        ],
      }),
      ev({ type: 'text', delta: 'That is the MCP logo, tiny.' }),
      ev({ type: 'done', stopReason: 'completed' }),
    );
    const thumbs = page.locator('.tool-card .tool-images img.tool-image');
    assert.equal(await thumbs.count(), 1, 'only the PNG is drawn');
    assert.ok(await thumbs.first().isVisible(), 'visible without opening the result');
    assert.match((await thumbs.first().getAttribute('src')) ?? '', /^data:image\/png;base64,iVBORw0KGgo/);
    assert.equal(await thumbs.first().getAttribute('alt'), 'Image 1 from the tool');
    // It decoded: a real picture, not a broken icon.
    assert.ok(await thumbs.first().evaluate((img) => (img as HTMLImageElement).naturalWidth > 0));
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'webview-tool-image.png') });
  });
});
