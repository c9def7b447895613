import * as assert from 'node:assert/strict';
import { redact } from '../../src/core/util/redact';

describe('redact', () => {
  const cases: Array<[string, RegExp]> = [
    ['Authorization: Bearer abcdefghijklmnop', /abcdefghijklmnop/],
    ['headers {"Authorization":"Bearer tok_123456789"}', /tok_123456789/],
    ['key sk-proj-ABCDEFGHIJKLMNOPQRSTUV used', /ABCDEFGHIJKLMNOP/],
    ['OPENAI_API_KEY=sk-abcdefghijklmnopqrstu', /abcdefghijklmnopqrstu/],
    ['{"api_key": "s3cr3t-value"}', /s3cr3t-value/],
    ['redis://user:hunter22@host:6379', /hunter22/],
    ['client_secret=xyz12345&grant_type=client_credentials', /xyz12345/],
    ['token ghp_abcdefghijklmnopqrstuvwxyz0123', /ghp_abcdefghijklmnopqrstuvwxyz0123/],
  ];
  for (const [input, secret] of cases) {
    it(`removes the secret from: ${input}`, () => {
      const out = redact(input);
      assert.doesNotMatch(out, secret);
      assert.match(out, /\[redacted\]/);
    });
  }
  it('removes known exact secrets anywhere, and leaves ordinary text alone', () => {
    assert.equal(redact('value is plainsecretvalue here', ['plainsecretvalue']), 'value is [redacted] here');
    assert.equal(redact('server "fs" connected over stdio (12 tools)'), 'server "fs" connected over stdio (12 tools)');
  });
});
