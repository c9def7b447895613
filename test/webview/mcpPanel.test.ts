/**
 * The chat webview's MCP cards and pickers in real Chromium: sampling (approve / trust / review), elicitation
 * forms (every field kind, defaults, required, validation, host errors) and URL mode, cancellation by the server,
 * the `@` resource picker with templates and completions, and `/` prompts with arguments.
 *
 *   npx mocha --no-config --node-option import=tsx --extension ts --timeout 60000 test/webview/mcpPanel.test.ts
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { FormFieldView, HostMessage, WebviewMessage } from '../../src/shared/protocol';
import { ARTIFACTS, suiteHarness, type ChatPage, type Theme } from './harness';

const STATE: HostMessage = {
  type: 'state',
  provider: 'openai',
  model: 'gpt-4o',
  servers: [{ name: 'everything', state: 'connected', transport: 'stdio', toolCount: 13 }],
  conversations: [],
  restricted: false,
  locale: 'en',
};

/** A 4x4 red PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEklEQVR4nGP4z8CAB+GTG8HSALfKY52fTcuYAAAAAElFTkSuQmCC';

const SAMPLING: HostMessage = {
  type: 'serverRequest',
  requestId: 's1',
  request: {
    kind: 'sampling',
    server: 'everything',
    messages: [
      { role: 'user', parts: [{ type: 'text', text: 'Resource trigger-sampling-request context: write a haiku about MCP' }, { type: 'image', mimeType: 'image/png', data: PNG, bytes: 75 }] },
      { role: 'assistant', parts: [{ type: 'audio', mimeType: 'audio/wav', bytes: 2048 }] },
    ],
    systemPrompt: 'You are a helpful test server.',
    maxTokens: 100,
    temperature: 0.7,
    model: 'gpt-4o',
    modelHints: ['claude-3-sonnet'],
    priorities: { intelligence: 0.8, speed: 0.2 },
  },
};

const FIELDS: FormFieldView[] = [
  { name: 'name', kind: 'string', title: 'Name', description: 'Your full, legal name', required: true },
  { name: 'check', kind: 'boolean', title: 'Agree to the terms', required: false },
  { name: 'firstLine', kind: 'string', title: 'First line', required: false, default: 'It was a dark and stormy night.' },
  { name: 'email', kind: 'string', title: 'Email', format: 'email', required: false },
  { name: 'homepage', kind: 'string', title: 'Homepage', format: 'uri', required: false },
  { name: 'birthdate', kind: 'string', title: 'Birthdate', format: 'date', required: false },
  { name: 'integer', kind: 'integer', title: 'Integer', required: false, minimum: 1, maximum: 100, default: 42 },
  { name: 'number', kind: 'number', title: 'Number', required: false, minimum: 0, maximum: 1000, default: 3.14 },
  { name: 'friend', kind: 'enum', title: 'Friend', required: false, options: ['Monica', 'Rachel', 'Joey'].map((v) => ({ value: v, label: v })), default: 'Monica' },
  { name: 'hero', kind: 'enum', title: 'Hero', required: true, options: [{ value: 'hero-1', label: 'Superman' }, { value: 'hero-2', label: 'Green Lantern' }] },
  { name: 'fish', kind: 'multi-enum', title: 'Fish', required: false, minItems: 1, maxItems: 2, options: [{ value: 'fish-1', label: 'Tuna' }, { value: 'fish-2', label: 'Salmon' }, { value: 'fish-3', label: 'Trout' }], default: ['fish-1'] },
];

const ELICIT: HostMessage = { type: 'serverRequest', requestId: 'e1', request: { kind: 'elicitation', server: 'everything', message: 'Please provide inputs for the following fields:', fields: FIELDS } };

const CATALOG: HostMessage = {
  type: 'catalog',
  resources: [
    { server: 'everything', uri: 'demo://resource/static/document/architecture.md', name: 'architecture.md', mimeType: 'text/markdown' },
    { server: 'everything', uri: 'demo://resource/static/document/features.md', name: 'features.md', mimeType: 'text/markdown' },
    { server: 'everything', uri: 'demo://resource/dynamic/text/{resourceId}', name: 'Dynamic Text Resource', template: true, variables: ['resourceId'] },
    { server: 'files', uri: 'file:///tmp/logo.png', name: 'logo.png', mimeType: 'image/png' },
  ],
  prompts: [
    { server: 'everything', name: 'simple-prompt', title: 'Simple Prompt', description: 'A prompt with no arguments', arguments: [], completions: true },
    {
      server: 'everything',
      name: 'completable-prompt',
      title: 'Team Management',
      description: 'First argument choice narrows values for second argument.',
      arguments: [
        { name: 'department', description: 'Choose the department.', required: true },
        { name: 'name', description: 'Choose a team member.', required: true },
      ],
      completions: true,
    },
  ],
  errors: [],
};

describe('chat webview: MCP cards and pickers (Chromium)', function () {
  const suite = suiteHarness();
  const pages = suite.pages;

  async function open(theme: Theme = 'dark', size?: { width: number; height: number }): Promise<ChatPage> {
    const chat = await suite.open({ theme, ...size });
    pages.push(chat);
    await chat.send(STATE);
    return chat;
  }

  const replies = async (chat: ChatPage): Promise<Array<Extract<WebviewMessage, { type: 'serverRequestReply' }>>> =>
    (await chat.posted()).filter((m): m is Extract<WebviewMessage, { type: 'serverRequestReply' }> => m.type === 'serverRequestReply');

  it('sampling: shows who asks, the messages (image as a thumbnail), system prompt, limits and preferences; Approve posts once', async () => {
    const chat = await open();
    const { page } = chat;
    await chat.send(SAMPLING);
    const card = page.locator('.request-card[data-request-id="s1"]');
    // Focus goes to the decision (the user was not typing).
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-action')), 'approve');
    assert.equal(await card.locator('.request-server').textContent(), 'everything');
    assert.match((await card.locator('.sampling-message.role-user').textContent()) ?? '', /write a haiku about MCP/);
    const img = card.locator('img.sampling-thumb');
    assert.equal(await img.count(), 1);
    assert.ok((await img.evaluate((i) => (i as HTMLImageElement).naturalWidth)) === 4, 'the thumbnail decoded (CSP allows data: images)');
    assert.match((await card.locator('.sampling-message.role-assistant .sampling-media').textContent()) ?? '', /\[audio: audio\/wav, 2\.0 KB\]/);
    await card.locator('.sampling-system > summary').click();
    assert.match((await card.locator('.sampling-system').textContent()) ?? '', /You are a helpful test server\./);
    const meta = (await card.locator('.sampling-meta').textContent()) ?? '';
    for (const part of ['Model: gpt-4o', 'Max tokens: 100', 'Temperature: 0.7', 'Server prefers: claude-3-sonnet', 'intelligence 0.8']) assert.ok(meta.includes(part), `meta lacks "${part}": ${meta}`);
    await card.locator('button[data-action="approve"]').click();
    await card.locator('button[data-action="approve"]').click({ force: true }).catch(() => undefined);
    assert.deepEqual(await replies(chat), [{ type: 'serverRequestReply', requestId: 's1', action: 'approve' }]);
    assert.equal(await card.getAttribute('data-busy'), 'true');
    await chat.send({ type: 'serverRequestSettled', requestId: 's1', outcome: 'approved' });
    assert.equal(await card.getAttribute('data-settled'), 'approved');
    assert.equal(await card.locator('.request-outcome').textContent(), 'Approved');
    assert.equal(await card.locator('.request-actions').isVisible(), false);
  });

  it('sampling: Trust posts trust; the answer review shows the text with Send / Discard', async () => {
    const chat = await open();
    const { page } = chat;
    await chat.send(SAMPLING);
    await page.locator('.request-card[data-request-id="s1"] button[data-action="trust"]').click();
    assert.equal((await replies(chat))[0]?.action, 'trust');
    await chat.send(
      { type: 'serverRequestSettled', requestId: 's1', outcome: 'trusted' },
      { type: 'serverRequest', requestId: 'r1', request: { kind: 'samplingReview', server: 'everything', model: 'gpt-4o', text: 'Servers ask,\nthe model answers,\nthe user decides.', stopReason: 'endTurn' } },
    );
    const review = page.locator('.request-card[data-request-id="r1"]');
    assert.match((await review.locator('.sampling-answer').textContent()) ?? '', /the user decides\./);
    assert.match((await review.locator('.sampling-meta').textContent()) ?? '', /Stop reason: endTurn/);
    await review.locator('button[data-action="discard"]').click();
    assert.deepEqual((await replies(chat)).at(-1), { type: 'serverRequestReply', requestId: 'r1', action: 'discard' });
  });

  it('elicitation: builds the form from the fields, with defaults, required marks and validation before posting', async () => {
    const chat = await open();
    const { page } = chat;
    await chat.send(ELICIT);
    const card = page.locator('.request-card[data-request-id="e1"]');
    assert.equal(await card.locator('.request-message').textContent(), 'Please provide inputs for the following fields:');
    const field = (name: string) => card.locator(`.form-field[data-field="${name}"]`);
    assert.equal(await field('name').locator('.field-required').count(), 1);
    assert.equal(await field('name').locator('input').getAttribute('aria-required'), 'true');
    assert.equal(await field('firstLine').locator('input').inputValue(), 'It was a dark and stormy night.');
    assert.equal(await field('email').locator('input').getAttribute('type'), 'email');
    assert.equal(await field('homepage').locator('input').getAttribute('type'), 'url');
    assert.equal(await field('birthdate').locator('input').getAttribute('type'), 'date');
    assert.equal(await field('integer').locator('input').inputValue(), '42');
    assert.equal(await field('integer').locator('input').getAttribute('step'), '1');
    assert.match((await field('integer').locator('.field-desc').textContent()) ?? '', /1 to 100/);
    assert.equal(await field('friend').locator('select').inputValue(), 'Monica');
    assert.deepEqual(await field('hero').locator('option').allTextContents(), ['— choose —', 'Superman', 'Green Lantern']);
    assert.equal(await field('fish').locator('input[value="fish-1"]').isChecked(), true);
    assert.equal(await field('check').locator('input[type="checkbox"]').isChecked(), false);

    // Accept with the required fields empty and bad values: messages, no post, focus on the first problem.
    await field('email').locator('input').fill('not-an-email');
    await field('integer').locator('input').fill('500');
    await field('fish').locator('input[value="fish-2"]').check();
    await field('fish').locator('input[value="fish-3"]').check();
    await card.locator('button[data-action="accept"]').click();
    assert.equal((await replies(chat)).length, 0);
    assert.equal(await field('name').locator('.field-error').textContent(), 'This field is required.');
    assert.equal(await field('hero').locator('.field-error').textContent(), 'This field is required.');
    assert.match((await field('email').locator('.field-error').textContent()) ?? '', /email address/);
    assert.equal(await field('integer').locator('.field-error').textContent(), 'Must be at most 100.');
    assert.equal(await field('fish').locator('.field-error').textContent(), 'Choose at most 2.');
    assert.equal(await field('name').locator('input').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('.form-field')?.getAttribute('data-field')), 'name');

    await field('name').locator('input').fill('Ada Lovelace');
    await field('email').locator('input').fill('ada@example.com');
    await field('integer').locator('input').fill('7');
    await field('hero').locator('select').selectOption('hero-2');
    await field('fish').locator('input[value="fish-3"]').uncheck();
    await field('check').locator('input[type="checkbox"]').check();
    await field('birthdate').locator('input').fill('1815-12-10');
    // Enter in a text field accepts.
    await field('name').locator('input').press('Enter');
    const [reply] = await replies(chat);
    assert.deepEqual(reply, {
      type: 'serverRequestReply',
      requestId: 'e1',
      action: 'accept',
      values: { name: 'Ada Lovelace', check: true, firstLine: 'It was a dark and stormy night.', email: 'ada@example.com', birthdate: '1815-12-10', integer: 7, number: 3.14, friend: 'Monica', hero: 'hero-2', fish: ['fish-1', 'fish-2'] },
    });
    // The host disagrees (it validates again): its message is shown and the buttons work again.
    await chat.send({ type: 'serverRequestErrors', requestId: 'e1', errors: { email: 'Email: that domain does not exist' } });
    assert.equal(await field('email').locator('.field-error').textContent(), 'Email: that domain does not exist');
    assert.equal(await card.locator('button[data-action="accept"]').isEnabled(), true);
    await card.locator('button[data-action="decline"]').click();
    assert.equal((await replies(chat)).at(-1)?.action, 'decline');
    await chat.send({ type: 'serverRequestSettled', requestId: 'e1', outcome: 'declined' });
    assert.equal(await field('name').locator('input').isDisabled(), true);
  });

  it('a request the server cancels settles as cancelled; unanswered cards survive a conversation switch and are not duplicated', async () => {
    const chat = await open();
    const { page } = chat;
    await chat.send(ELICIT, SAMPLING);
    await chat.send({ type: 'conversation', items: [{ kind: 'user', text: 'older chat' }] });
    assert.equal(await page.locator('.request-card').count(), 2, 'the open cards are put back');
    await chat.send(ELICIT);
    assert.equal(await page.locator('.request-card[data-request-id="e1"]').count(), 1, 'a re-sent request is not shown twice');
    await chat.send({ type: 'serverRequestSettled', requestId: 'e1', outcome: 'cancelled' });
    const card = page.locator('.request-card[data-request-id="e1"]');
    assert.equal(await card.getAttribute('data-settled'), 'cancelled');
    assert.equal(await card.locator('.request-outcome').textContent(), 'Cancelled');
  });

  it('a request during a turn goes next to the server\'s running tool call, before the rest of the answer', async () => {
    const chat = await open();
    const { page } = chat;
    const ev = (event: Extract<HostMessage, { type: 'turnEvent' }>['event']): HostMessage => ({ type: 'turnEvent', turnId: 't1', event });
    await chat.send(
      { type: 'turnStart', turnId: 't1', userText: 'Sample something' },
      ev({ type: 'tool_call', id: 'c1', name: 'everything__trigger-sampling-request', server: 'everything', arguments: '{}' }),
      ev({ type: 'tool_call', id: 'c2', name: 'other__slow', server: 'other', arguments: '{}' }),
      SAMPLING,
    );
    const order = async () =>
      page.locator('.message.assistant[data-turn-id="t1"] .assistant-body > *').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.toolId ?? (e.classList.contains('server-request') ? 'request' : e.className)));
    assert.deepEqual((await order()).slice(0, 3), ['c1', 'request', 'c2']);
    await chat.send(ev({ type: 'tool_result', id: 'c1', name: 'everything__trigger-sampling-request', isError: false, content: 'ok', durationMs: 5 }), ev({ type: 'text', delta: 'Done.' }), ev({ type: 'done', stopReason: 'completed' }));
    const after = await order();
    assert.equal(after.indexOf('request'), 1);
    assert.ok(after.findIndex((c) => /markdown/.test(c)) > 1, `the answer's text is not after the card: ${after.join(', ')}`);
  });

  it('URL elicitation: shows the link and where it goes; Open posts open; a non-http link cannot be opened', async () => {
    const chat = await open();
    const { page } = chat;
    await chat.send(
      { type: 'serverRequest', requestId: 'u1', request: { kind: 'elicitationUrl', server: 'payments', message: 'Authorize the payment', url: 'https://pay.example.com/authorize?id=7', host: 'pay.example.com', openable: true } },
      { type: 'serverRequest', requestId: 'u2', request: { kind: 'elicitationUrl', server: 'evil', message: 'Run this', url: 'javascript:alert(1)', host: '', openable: false } },
    );
    const good = page.locator('.request-card[data-request-id="u1"]');
    assert.equal(await good.locator('.elicitation-url code').textContent(), 'https://pay.example.com/authorize?id=7');
    assert.equal(await good.locator('.request-note').textContent(), 'Goes to pay.example.com');
    await good.locator('button[data-action="open"]').click();
    assert.deepEqual((await replies(chat)).at(-1), { type: 'serverRequestReply', requestId: 'u1', action: 'open' });
    // The user said no to the host's confirmation: the card is usable again.
    await chat.send({ type: 'serverRequestErrors', requestId: 'u1', errors: {} });
    assert.equal(await good.locator('button[data-action="open"]').isEnabled(), true);
    const bad = page.locator('.request-card[data-request-id="u2"]');
    assert.equal(await bad.locator('button[data-action="open"]').isDisabled(), true);
    assert.equal(await bad.locator('.request-note').textContent(), 'Only http and https links can be opened.');
    // Still disabled after a busy round trip.
    await bad.locator('button[data-action="cancel"]').click();
    await chat.send({ type: 'serverRequestErrors', requestId: 'u2', errors: {} });
    assert.equal(await bad.locator('button[data-action="open"]').isDisabled(), true);
  });

  it('@ lists every server\'s resources, filters as typed, attaches the pick as a chip, and sends it with the message', async () => {
    const chat = await open();
    const { page } = chat;
    const input = page.locator('.composer textarea');
    await input.click();
    await input.pressSequentially('Summarize @');
    await chat.waitForPosted((m) => m.type === 'catalog');
    assert.equal(await page.locator('.picker .picker-empty').textContent(), 'Loading…');
    await chat.send(CATALOG);
    assert.equal(await page.locator('.picker-item').count(), 4);
    await input.pressSequentially('feat');
    assert.deepEqual(await page.locator('.picker-item .picker-label').allTextContents(), ['features.md']);
    await input.press('Enter');
    assert.equal(await page.locator('.picker').isVisible(), false);
    assert.equal(await input.inputValue(), 'Summarize ');
    assert.deepEqual(await page.locator('.attachment-chip .chip-label').allTextContents(), ['features.md']);
    await input.pressSequentially('and @arch');
    await input.press('Tab');
    assert.equal(await page.locator('.attachment-chip').count(), 2);
    // Remove one with its button.
    await page.locator('.attachment-chip', { hasText: 'architecture.md' }).locator('.chip-remove').click();
    assert.equal(await page.locator('.attachment-chip').count(), 1);
    await input.pressSequentially('please');
    await input.press('Enter');
    const sent = await chat.waitForPosted((m) => m.type === 'send');
    assert.deepEqual(sent, { type: 'send', text: 'Summarize and please', attachments: [{ server: 'everything', uri: 'demo://resource/static/document/features.md', name: 'features.md' }] });
    assert.equal(await page.locator('.attachment-chip').count(), 0, 'chips go with the message');
  });

  it('an attached resource that changed shows above the input until sent or dismissed; dismissing asks the host to stop watching it', async () => {
    const chat = await open();
    const { page } = chat;
    const features = { server: 'everything', uri: 'demo://resource/static/document/features.md', name: 'features.md' };
    const arch = { server: 'everything', uri: 'demo://resource/static/document/architecture.md', name: 'architecture.md' };
    await chat.send({ type: 'watched', resources: [{ ...features, updated: false }, { ...arch, updated: false }] });
    assert.equal(await page.locator('.watched-chips').isVisible(), false, 'watched but unchanged: nothing to show');
    await chat.send({ type: 'watched', resources: [{ ...features, updated: true }, { ...arch, updated: true }] });
    assert.deepEqual(await page.locator('.watched-chip .chip-label').allTextContents(), ['features.md', 'architecture.md']);
    assert.match((await page.locator('.watched-chip').first().getAttribute('title')) ?? '', /features\.md \(everything\) changed since it was attached/);
    await page.locator('.watched-chip', { hasText: 'architecture.md' }).locator('.chip-remove').click();
    assert.deepEqual(await chat.waitForPosted((m) => m.type === 'unwatch'), { type: 'unwatch', server: 'everything', uri: arch.uri });
    // The host answers with the new list; after the next message the change has been sent and the chip goes.
    await chat.send({ type: 'watched', resources: [{ ...features, updated: true }] });
    assert.equal(await page.locator('.watched-chip').count(), 1);
    await chat.send({ type: 'watched', resources: [{ ...features, updated: false }] });
    assert.equal(await page.locator('.watched-chips').isVisible(), false);
  });

  it('@ on a template asks for its variables with the server\'s completions, then attaches the expanded URI', async () => {
    const chat = await open();
    const { page } = chat;
    const input = page.locator('.composer textarea');
    await input.click();
    await input.pressSequentially('@');
    await chat.send(CATALOG);
    await input.pressSequentially('Dynamic');
    assert.equal(await page.locator('.picker-item .picker-badge').textContent(), 'template');
    await input.press('Enter');
    const arg = page.locator('.picker-form .form-field[data-field="resourceId"] input');
    await arg.waitFor();
    const ask = (await chat.waitForPosted((m) => m.type === 'complete')) as Extract<WebviewMessage, { type: 'complete' }>;
    assert.deepEqual(ask.ref, { type: 'resource', uri: 'demo://resource/dynamic/text/{resourceId}' });
    assert.equal(ask.argument.name, 'resourceId');
    await chat.send({ type: 'completion', requestId: ask.requestId, values: ['1', '2', '3'] });
    assert.deepEqual(await page.locator('.arg-suggestion').allTextContents(), ['1', '2', '3']);
    await page.locator('.arg-suggestion', { hasText: '2' }).click();
    assert.equal(await arg.inputValue(), '2');
    await page.locator('.picker-form button[type="submit"]').click();
    assert.deepEqual(await page.locator('.attachment-chip .chip-label').allTextContents(), ['demo://resource/dynamic/text/2']);
    await input.fill('what is in it?');
    await input.press('Enter');
    const sent = (await chat.waitForPosted((m) => m.type === 'send')) as Extract<WebviewMessage, { type: 'send' }>;
    assert.deepEqual(sent.attachments, [{ server: 'everything', uri: 'demo://resource/dynamic/text/{resourceId}', name: 'demo://resource/dynamic/text/2', template: true, variables: { resourceId: '2' } }]);
  });

  it('/ lists prompts; one without arguments runs at once; one with arguments asks for them (required checked, completions offered)', async () => {
    const chat = await open();
    const { page } = chat;
    const input = page.locator('.composer textarea');
    await input.click();
    await input.pressSequentially('/');
    await chat.send(CATALOG);
    assert.deepEqual(await page.locator('.picker-item .picker-label').allTextContents(), ['/simple-prompt', '/completable-prompt']);
    assert.equal(await input.getAttribute('aria-expanded'), 'true');
    await input.press('Enter');
    assert.deepEqual(await chat.waitForPosted((m) => m.type === 'runPrompt'), { type: 'runPrompt', server: 'everything', name: 'simple-prompt', arguments: {} });
    assert.equal(await input.inputValue(), '');

    await input.pressSequentially('/everything.comp');
    assert.deepEqual(await page.locator('.picker-item .picker-label').allTextContents(), ['/completable-prompt']);
    await input.press('Enter');
    const dept = page.locator('.picker-form .form-field[data-field="department"] input');
    await dept.waitFor();
    await dept.pressSequentially('Eng');
    const ask = (await chat.waitForPosted((m) => m.type === 'complete' && m.argument.value === 'Eng')) as Extract<WebviewMessage, { type: 'complete' }>;
    assert.deepEqual(ask.ref, { type: 'prompt', name: 'completable-prompt' });
    await chat.send({ type: 'completion', requestId: ask.requestId, values: ['Engineering'] });
    await page.locator('.arg-suggestion', { hasText: 'Engineering' }).click();
    // `name` is required: Run does nothing until it is given.
    await page.locator('.picker-form button[type="submit"]').click();
    assert.equal(await page.locator('.picker-form .form-field[data-field="name"] input').getAttribute('aria-invalid'), 'true');
    await page.locator('.picker-form .form-field[data-field="name"] input').fill('Alice');
    await page.screenshot({ path: path.join(ARTIFACTS, 'webview-dark-prompt-arguments.png'), clip: { x: 0, y: 200, width: 420, height: 500 } }).catch(() => undefined);
    await page.locator('.picker-form button[type="submit"]').click();
    const runs = (await chat.posted()).filter((m) => m.type === 'runPrompt');
    assert.deepEqual(runs.at(-1), { type: 'runPrompt', server: 'everything', name: 'completable-prompt', arguments: { department: 'Engineering', name: 'Alice' } });
    assert.equal(await page.locator('.picker').isVisible(), false);
  });

  describe('screenshots', () => {
    for (const theme of ['dark', 'light'] as const) {
      it(`cards and pickers in the ${theme} theme`, async () => {
        await mkdir(ARTIFACTS, { recursive: true });
        const chat = await open(theme, { width: 420, height: 1300 });
        const { page } = chat;
        await chat.send({ type: 'turnStart', turnId: 't1', userText: 'Try the sampling tool' }, SAMPLING, ELICIT);
        await page.locator('.request-card[data-request-id="s1"] .sampling-system > summary').click();
        await page.screenshot({ path: path.join(ARTIFACTS, `webview-${theme}-server-requests.png`) });
        await chat.send(
          { type: 'serverRequestSettled', requestId: 's1', outcome: 'approved' },
          { type: 'serverRequest', requestId: 'r1', request: { kind: 'samplingReview', server: 'everything', model: 'gpt-4o', text: 'Servers ask,\nthe model answers,\nthe user decides.', stopReason: 'endTurn' } },
          { type: 'serverRequest', requestId: 'u1', request: { kind: 'elicitationUrl', server: 'payments', message: 'Authorize the payment', url: 'https://pay.example.com/authorize?id=7', host: 'pay.example.com', openable: true } },
        );
        await page.locator('.request-card[data-request-id="e1"] button[data-action="accept"]').click();
        await page.screenshot({ path: path.join(ARTIFACTS, `webview-${theme}-server-requests-2.png`) });
        const input = page.locator('.composer textarea');
        await input.click();
        await chat.send({ type: 'watched', resources: [{ server: 'everything', uri: 'demo://resource/static/document/features.md', name: 'features.md', updated: true }] });
        await input.pressSequentially('Explain @');
        await chat.send(CATALOG);
        await page.screenshot({ path: path.join(ARTIFACTS, `webview-${theme}-mention-picker.png`), clip: { x: 0, y: 850, width: 420, height: 450 } });
        await input.press('Enter');
        await input.fill('/');
        await input.press('End');
        await input.pressSequentially('c');
        await page.screenshot({ path: path.join(ARTIFACTS, `webview-${theme}-slash-commands.png`), clip: { x: 0, y: 850, width: 420, height: 450 } });
      });
    }
  });
});
