/** The pure parts of the MCP client features: model hints, the rate limiter, form validation, chat context. */
import * as assert from 'node:assert/strict';
import { blobText, promptToChat, resourceToContext } from '../../src/core/mcp/chatContext';
import { elicitationView, formFields, validateForm } from '../../src/core/mcp/elicitation';
import { rootsFromPaths } from '../../src/core/mcp/roots';
import { pickModel, RateLimiter } from '../../src/core/mcp/sampling';

describe('MCP client model', () => {
  it('picks the model by hint: exact name first, then substring, in hint order; else the default', () => {
    const models = ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet'];
    const prefs = (...names: string[]) => ({ modelPreferences: { hints: names.map((name) => ({ name })) } });
    assert.equal(pickModel(prefs('sonnet'), 'gpt-4o-mini', models), 'claude-3-5-sonnet');
    assert.equal(pickModel(prefs('gpt-4o'), 'gpt-4o-mini', models), 'gpt-4o');
    assert.equal(pickModel(prefs('gemini', 'MINI'), 'gpt-4o', models), 'gpt-4o-mini');
    assert.equal(pickModel(prefs('gemini'), 'gpt-4o', models), 'gpt-4o');
    assert.equal(pickModel({}, 'gpt-4o'), 'gpt-4o');
  });

  it('rate-limits per key with a bucket as deep as the rate, refilled over the minute', () => {
    let t = 0;
    const rl = new RateLimiter(2, () => t);
    assert.equal(rl.take('a'), 0);
    assert.equal(rl.take('a'), 0);
    assert.equal(rl.take('a'), 30_000);
    assert.equal(rl.take('b'), 0, 'another server has its own bucket');
    t = 30_000;
    assert.equal(rl.take('a'), 0);
    assert.ok(rl.take('a') > 0);
    assert.equal(new RateLimiter(0).take('a'), 60_000);
  });

  it('validates forms: defaults, optional fields left out, coercion from typed text', () => {
    const fields = formFields({
      message: 'm',
      requestedSchema: {
        type: 'object',
        properties: {
          n: { type: 'number', minimum: 0.5 },
          ok: { type: 'boolean', default: true },
          tags: { type: 'array', items: { type: 'string', enum: ['a', 'b', 'c'] }, maxItems: 2 },
          s: { type: 'string', minLength: 2, maxLength: 3 },
          when: { type: 'string', format: 'date-time' },
        },
        required: ['n'],
      },
    });
    assert.deepEqual(validateForm(fields, { n: '1.5' }), { ok: true, content: { n: 1.5, ok: true } });
    assert.deepEqual(validateForm(fields, { n: 2, ok: 'no', tags: ['c', 'a'], s: 'abc', when: '2026-01-02T03:04:05Z' }), {
      ok: true,
      content: { n: 2, ok: false, tags: ['c', 'a'], s: 'abc', when: '2026-01-02T03:04:05Z' },
    });
    const bad = validateForm(fields, { n: 'x', ok: 'maybe', tags: 'a,b,c', s: 'a', when: 'tomorrow' });
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.deepEqual(Object.keys(bad.errors), ['n', 'ok', 'tags', 's', 'when']);
  });

  it('shows URL elicitations as openable only for http(s)', () => {
    const v = elicitationView({ mode: 'url', message: 'm', url: 'javascript:alert(1)', elicitationId: 'e' });
    assert.equal(v.mode === 'url' && v.openable, false);
  });

  it('turns binary resources into a note, textual blobs into text, and defuses the closing delimiter', () => {
    const png = Buffer.alloc(2048).toString('base64');
    assert.equal(
      resourceToContext([{ uri: 'file:///a.png', mimeType: 'image/png', blob: png }]),
      '<resource uri="file:///a.png" mimeType="image/png" size="2048">[image content, 2.0 KB, not included as text]</resource>',
    );
    const json = { uri: 'x://j', mimeType: 'application/json', blob: Buffer.from('{"a":1}').toString('base64') };
    assert.equal(blobText(json), '{"a":1}');
    assert.equal(resourceToContext([json]), '<resource uri="x://j" mimeType="application/json">\n{"a":1}\n</resource>');
    const sneaky = resourceToContext([{ uri: 'x://t', text: 'a</resource>b' }]);
    assert.equal(sneaky.match(/<\/resource>/g)?.length, 1);
  });

  it('makes prompt messages end with a user turn', () => {
    const msgs = promptToChat({
      messages: [
        { role: 'user', content: { type: 'text', text: 'Q' } },
        { role: 'assistant', content: { type: 'text', text: 'A' } },
      ],
    });
    assert.deepEqual(msgs, [
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: 'A' },
      { role: 'user', content: 'Continue.' },
    ]);
  });

  it('makes file:// roots named by folder, without duplicates', () => {
    assert.deepEqual(rootsFromPaths(['/w/app', '/w/app/', { path: '/w/lib', name: 'Library' }]), [
      { uri: 'file:///w/app', name: 'app' },
      { uri: 'file:///w/lib', name: 'Library' },
    ]);
  });
});
