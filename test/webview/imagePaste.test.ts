/**
 * Pictures in the composer, in real Chromium: a pasted and a dropped image become chips with thumbnails, a large one
 * is scaled down in the view, a chip can be removed, and Send posts the pictures beside the text; a dropped file that
 * is not a picture makes no chip.
 *
 *   npx mocha --no-config --node-option import=tsx --extension ts --timeout 120000 test/webview/imagePaste.test.ts
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { HostMessage } from '../../src/shared/protocol';
import { ARTIFACTS, suiteHarness } from './harness';

const STATE: HostMessage = { type: 'state', provider: 'openai', model: 'gpt-4o', servers: [], conversations: [], restricted: false, locale: 'en' };

describe('chat webview: pictures in the composer (Chromium)', function () {
  const suite = suiteHarness();

  it('paste and drop make chips with thumbnails; a large picture is scaled down; Send posts them with the text', async () => {
    const chat = await suite.open({ theme: 'dark', width: 420, height: 520 });
    const { page } = chat;
    await chat.send(STATE);
    // A 3000x1500 screenshot-like picture pasted, a small one dropped: made in the page, as a user's clipboard would.
    await page.evaluate(async () => {
      const picture = async (w: number, h: number, color: string, name: string) => {
        const c = document.createElement('canvas');
        c.width = w;
        c.height = h;
        const g = c.getContext('2d')!;
        g.fillStyle = color;
        g.fillRect(0, 0, w, h);
        g.fillStyle = '#fff';
        g.fillRect(w / 4, h / 4, w / 2, h / 2);
        const blob = await new Promise<Blob>((r) => c.toBlob((b) => r(b!), 'image/png'));
        return new File([blob], name, { type: 'image/png' });
      };
      const pasted = new DataTransfer();
      pasted.items.add(await picture(3000, 1500, '#3a6ea5', 'image.png'));
      document.querySelector('.composer textarea')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true, cancelable: true }));
      const dropped = new DataTransfer();
      dropped.items.add(await picture(64, 64, '#a53a3a', 'logo.png'));
      dropped.items.add(new File(['not a picture'], 'notes.txt', { type: 'text/plain' }));
      document.querySelector('.composer')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true }));
    });
    const chips = page.locator('.attachment-chip.image-chip');
    await chips.nth(1).waitFor();
    assert.equal(await chips.count(), 2, 'the text file is not a picture');
    assert.deepEqual(await page.locator('.image-chip .chip-label').allTextContents(), ['image-1.png', 'logo.png']);
    assert.ok(await page.locator('.image-chip .chip-thumb').first().evaluate((img) => (img as HTMLImageElement).naturalWidth > 0), 'the thumbnail decoded');
    await page.locator('.composer textarea').fill('What is in these?');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'webview-image-chips.png') });

    await chat.clearPosted();
    await page.locator('.send-button').click();
    const sent = (await chat.waitForPosted((m) => m.type === 'send')) as { text: string; images: Array<{ name: string; mimeType: string; data: string }> };
    assert.equal(sent.text, 'What is in these?');
    assert.deepEqual(sent.images.map((i) => [i.name, i.mimeType]), [['image-1.png', 'image/png'], ['logo.png', 'image/png']]);
    // The large one went through a canvas: at most 2048 wide, so it decodes to the scaled size.
    const size = await page.evaluate(async (data) => {
      const img = new Image();
      img.src = `data:image/png;base64,${data}`;
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    }, sent.images[0].data);
    assert.deepEqual(size, [2048, 1024]);
    assert.equal(await chips.count(), 0, 'the chips go with the message');
  });

  it('the picture button opens a file picker whose pictures become chips', async () => {
    const chat = await suite.open({ theme: 'dark', width: 420, height: 420 });
    const { page } = chat;
    await chat.send(STATE);
    const chooser = page.waitForEvent('filechooser');
    await page.locator('.picture-button').click();
    await (await chooser).setFiles({ name: 'dot.png', mimeType: 'image/png', buffer: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64') });
    await page.locator('.image-chip').waitFor();
    assert.equal(await page.locator('.image-chip .chip-label').textContent(), 'dot.png');
  });

  it('the pictures show in the message bubble, live and in a reopened conversation', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const chat = await suite.open({ theme: 'dark', width: 420, height: 420 });
    const { page } = chat;
    await chat.send(STATE, { type: 'turnStart', turnId: 't1', userText: 'What is this?\n\nAttached: dot.png', images: [{ mimeType: 'image/png', data: png }] });
    const live = page.locator('.message.user .user-images img.user-image');
    assert.equal(await live.count(), 1);
    assert.ok(await live.evaluate((img) => (img as HTMLImageElement).naturalWidth > 0));
    await chat.send({ type: 'conversation', id: 'c1', items: [{ kind: 'user', text: 'Earlier', images: [{ mimeType: 'image/png', data: png }, { mimeType: 'text/html', data: 'PGI+' }] }, { kind: 'assistant', text: 'A dot.' }] });
    assert.equal(await page.locator('.message.user img.user-image').count(), 1, 'only the picture of an image type is drawn');
  });

  it('a chip can be removed before sending; a message of text only posts no images', async () => {
    const chat = await suite.open({ theme: 'dark', width: 420, height: 420 });
    const { page } = chat;
    await chat.send(STATE);
    await page.evaluate(async () => {
      const c = document.createElement('canvas');
      c.width = c.height = 8;
      const blob = await new Promise<Blob>((r) => c.toBlob((b) => r(b!), 'image/png'));
      const dt = new DataTransfer();
      dt.items.add(new File([blob], 'dot.png', { type: 'image/png' }));
      document.querySelector('.composer textarea')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    await page.locator('.image-chip').waitFor();
    await page.locator('.image-chip .chip-remove').click();
    assert.equal(await page.locator('.image-chip').count(), 0);
    await page.locator('.composer textarea').fill('Just text.');
    await chat.clearPosted();
    await page.locator('.send-button').click();
    const sent = (await chat.waitForPosted((m) => m.type === 'send')) as Record<string, unknown>;
    assert.equal(sent.images, undefined);
  });
});
