// UI steps for the in-host suites (POST /ui on the control server): Playwright on the page that shows
// the workbench, or inside our chat view's webview. Plain Node; never loaded into VS Code.
import type { Frame, Locator, Page } from 'playwright-core';
import { OUR_EXTENSION_ID, type UiRequest, type UiResponse } from './protocol';
import { sleep } from './util';

const DEFAULT_TIMEOUT_MS = 10_000;

/** The outer webview iframe of one extension: its src carries `extensionId=<id>` and `purpose=webviewView` for views. */
function isOurViewHost(url: string): boolean {
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch {
    return false;
  }
  return params.get('extensionId')?.toLowerCase() === OUR_EXTENSION_ID && (params.get('purpose') ?? 'webviewView') === 'webviewView';
}

/**
 * The content frame of our chat view: VS Code hosts a webview as an iframe (index.html, one per webview) holding
 * the content iframe (`#active-frame`, loaded as fake.html, into which the extension's HTML is written). A hidden
 * view's frames are gone (retainContextWhenHidden is off), so this waits until one shows up.
 */
async function chatFrame(page: Page, deadline: number): Promise<Frame> {
  for (;;) {
    for (const frame of page.frames()) {
      const parent = frame.parentFrame();
      if (frame.isDetached() || !parent || !isOurViewHost(parent.url())) continue;
      const id = await frame
        .frameElement()
        .then((el) => el.getAttribute('id'))
        .catch(() => null);
      if (id === 'active-frame') return frame;
    }
    if (Date.now() > deadline) throw new Error('the chat view is not open (no webview frame of mcp-agent.mcp-agent on the page)');
    await sleep(200);
  }
}

function locate(root: Page | Frame, request: UiRequest): Locator {
  if (!request.selector) throw new Error(`${request.action} needs a selector`);
  const all = root.locator(request.selector);
  return request.hasText ? all.filter({ hasText: request.hasText }) : all;
}

async function perform(page: Page, request: UiRequest, deadline: number): Promise<UiResponse> {
  const root = request.target === 'chat' ? await chatFrame(page, deadline) : page;
  const timeout = Math.max(1, deadline - Date.now());
  switch (request.action) {
    case 'click':
      await locate(root, request).first().click({ timeout });
      return {};
    case 'rightClick':
      await locate(root, request).first().click({ timeout, button: 'right' });
      return {};
    case 'fill':
      await locate(root, request).first().fill(request.value ?? '', { timeout });
      return {};
    case 'press':
      if (!request.value) throw new Error('press needs a key in value');
      if (request.selector) await locate(root, request).first().press(request.value, { timeout });
      else await page.keyboard.press(request.value);
      return {};
    case 'type':
      if (request.selector) await locate(root, request).first().pressSequentially(request.value ?? '', { timeout });
      else await page.keyboard.type(request.value ?? '');
      return {};
    case 'text':
      return { text: await locate(root, request).first().innerText({ timeout }) };
    case 'content':
      return { text: (await locate(root, request).first().textContent({ timeout })) ?? '' };
    case 'html':
      return { text: await locate(root, request).first().evaluate((el) => el.outerHTML, undefined, { timeout }) };
    case 'texts':
      return { texts: await locate(root, request).allInnerTexts() };
    case 'count':
      return { count: await locate(root, request).count() };
    case 'waitFor':
      await locate(root, request)
        .first()
        .waitFor({ state: request.state ?? 'visible', timeout });
      return {};
    case 'setInputFiles':
      if (!request.value) throw new Error('setInputFiles needs file paths in value');
      await locate(root, request).first().setInputFiles(request.value.split('\n'), { timeout });
      return {};
    case 'attr':
      if (!request.value) throw new Error('attr needs an attribute name in value');
      return { text: (await locate(root, request).first().getAttribute(request.value, { timeout })) ?? undefined };
    case 'attrs': {
      if (!request.value) throw new Error('attrs needs an attribute name in value');
      return { texts: await locate(root, request).evaluateAll((els, name) => els.map((el) => el.getAttribute(name) ?? ''), request.value) };
    }
  }
}

/** Runs one step; a webview frame that goes away under us (the view re-rendered) is looked up again until the deadline. */
export async function runUiRequest(page: Page | undefined, request: UiRequest): Promise<UiResponse> {
  if (!page) return { error: 'no workbench page to drive' };
  const deadline = Date.now() + (request.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  for (;;) {
    try {
      return await perform(page, request, deadline);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (request.target === 'chat' && /detached|Target closed|Execution context was destroyed/i.test(message) && Date.now() < deadline) {
        await sleep(200);
        continue;
      }
      // Playwright's messages carry a call log; the first lines say what failed.
      return { error: message.split('\n').slice(0, 6).join('\n') };
    }
  }
}
