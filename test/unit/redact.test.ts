import * as assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Toolbox } from '../../src/core/agent/toolbox';
import { Cache } from '../../src/core/cache/Cache';
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

describe('redact: the corpus', () => {
  // Built from pieces so the repository holds no string a secret scanner would flag.
  const j = (...p: string[]) => p.join('');
  const positives: Array<[string, string]> = [
    // [text, the secret that must not survive]
    [j('aws_access_key_id = AKIA', 'IOSFODNN7EXAMPLE'), j('AKIA', 'IOSFODNN7EXAMPLE')],
    [j('temporary ASIA', 'Y34FZKBOKMUTVV7A', ' expires'), j('ASIA', 'Y34FZKBOKMUTVV7A')],
    [j('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYEXAMPLEKEY'), 'wJalrXUtnFEMI'],
    [j('AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYEXAMPLEKEY'), 'wJalrXUtnFEMI'],
    [j('export GITHUB_TOKEN=gh', 'p_', 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'), 'A1b2C3d4E5f6G7h8'],
    [j('oauth gh', 'o_', '16C7e42F292c6912E7710c838347Ae178B4a'), '16C7e42F292c6912'],
    [j('app gh', 's_', '16C7e42F292c6912E7710c838347Ae178B4a'), '16C7e42F292c6912'],
    [j('pat github_pat_', '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV01'), '11ABCDEFG0123456789'],
    [j('gitlab glpat-', 'xxxxxxxxxxxxxxxxxxxx'.replace(/x/g, 'a1')), 'a1a1a1a1a1a1'],
    [j('//registry.npmjs.org/:_authToken=npm_', 'abcdefghijklmnopqrstuvwxyz0123456789'), 'abcdefghijklmnopqrstuvwxyz0123'],
    [j('slack xox', 'b-', '1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'), '1234567890123-AbCd'],
    [j('slack xox', 'p-', '1234567890-abcdefghij'), '1234567890-abcdefghij'],
    [j('key=AIza', 'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'), 'SyD-9tSrke72PouQMnMX'],
    [j('-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq\nabcdefghij\n-----END RSA PRIVATE KEY-----'), 'MIIEowIBAAKCAQEA7bq'],
    [j('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----'), 'b3BlbnNzaC1rZXktdjEAAAAA'],
    [j('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAAS (cut off'), 'MIIEvQIBADANBgkqhkiG9w0'],
    ['postgres://app:s3cretPass@db.internal:5432/prod', 's3cretPass'],
    ['https://deploy:tok3n-value@github.com/org/repo.git', 'tok3n-value'],
    ['redis://:onlyPassword1@cache:6379/0', 'onlyPassword1'],
    ['DATABASE_PASSWORD=correct-horse-battery', 'correct-horse-battery'],
    ['SLACK_SECRET: "shhh-this-one"', 'shhh-this-one'],
    ['MY_SERVICE_KEY=abcdef123456', 'abcdef123456'],
    ['NPM_TOKEN = "whatever-value-1"', 'whatever-value-1'],
    ['{"password": "p@ss w0rd!"}', 'p@ss w0rd!'],
    ["const apiKey = 'live-abc-123-xyz';", 'live-abc-123-xyz'],
    ['token: abcd1234efgh5678', 'abcd1234efgh5678'],
    [j('id_token=eyJ', 'hbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'), 'dozjgNryP4J3jVmNHl0w5N'],
    ['Authorization: Basic dXNlcjpwYXNz', 'dXNlcjpwYXNz'],
  ];
  for (const [text, secret] of positives) {
    it(`removes ${JSON.stringify(secret.slice(0, 12))}… from ${JSON.stringify(text.slice(0, 40))}`, () => {
      const out = redact(text);
      assert.ok(!out.includes(secret), out);
      assert.match(out, /\[redacted\]/);
    });
  }

  const negatives = [
    'const token = getToken();',
    'const token = await this.auth.getToken(scope)',
    'token: string;',
    'password?: string | undefined',
    'if (token === undefined) return;',
    'const key = this.cacheKeyFor(tool, args);',
    'apiKey = process.env.OPENAI_API_KEY',
    'secret => secret.length',
    'commit 3f786850e387550fdab836ed7e6dc881de23001b',
    'git checkout a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
    'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'https://example.com/path/to/page?x=1',
    'user@example.com wrote: see http://host:8080/x',
    'The word token appears here, and so does password.',
    'primary_key: id',
    'uuid 123e4567-e89b-12d3-a456-426614174000',
    'server "fs" connected over stdio (12 tools)',
    'sk-ip is a word; desk-top too',
    'function setPassword(password) { this.password = password; }',
  ];
  for (const text of negatives) {
    it(`leaves ordinary text alone: ${JSON.stringify(text)}`, () => {
      assert.equal(redact(text), text);
    });
  }

  it('removes every known secret value, the longest first', () => {
    assert.equal(redact('a oauth-access-1234 b oauth-access-1234-refresh c', ['oauth-access-1234', 'oauth-access-1234-refresh']), 'a [redacted] b [redacted] c');
  });
});

describe('redact: cache entries', () => {
  it('a cached tool result is redacted on disk, known secrets and formats alike', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'redact-cache-'));
    const known = 'known-oauth-token-0123456789';
    const aws = ['AKIA', 'IOSFODNN7EXAMPLE'].join('');
    const cache = new Cache({ dir });
    const box = new Toolbox({
      cache,
      persistMinMs: 0,
      secrets: () => [known],
      builtins: [{ spec: { name: 'search', description: 's', inputSchema: { type: 'object' } }, run: () => Promise.resolve({ content: [{ type: 'text', text: `found ${known} and ${aws} and DB_PASSWORD=hunter2hunter2` }] }) }],
    });
    const tool = box.list().find((t) => t.name === 'search');
    assert.ok(tool);
    const fresh = await box.call(tool, { q: 'x' });
    assert.match(JSON.stringify(fresh), /hunter2hunter2/, 'the turn itself gets the result as it was');
    const files: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(path.join(d, e.name));
        else files.push(path.join(d, e.name));
      }
    };
    let stored = '';
    // The file write is behind the turn; wait for the entry to land.
    for (let i = 0; i < 100 && !stored.includes('found'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      files.length = 0;
      await walk(dir);
      stored = (await Promise.all(files.map((f) => readFile(f, 'utf8').catch(() => '')))).join('\n');
    }
    await cache.close();
    assert.match(stored, /found \[redacted\]/, stored);
    for (const secret of [known, aws, 'hunter2hunter2']) assert.ok(!stored.includes(secret), `${secret} in ${stored}`);
  });
});

describe('redact: large inputs without secrets', () => {
  // Shapes that made an earlier version of the patterns backtrack quadratically (minutes for 100 kB).
  for (const [name, text] of [['dashed words', 'ab-'.repeat(33_000)], ['scheme-like', 'ab+'.repeat(33_000)], ['underscored', 'a_'.repeat(50_000)], ['assignments', 'x='.repeat(50_000)]] as const) {
    it(`passes ${name} through unchanged`, () => {
      assert.equal(redact(text), text);
    });
  }
});
