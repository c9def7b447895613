import * as assert from 'node:assert/strict';
import { parseServerDefinitions, type ServerDefinition } from '../../src/core/mcp/serverConfig';
import { inputReceiver, inputsUsed, parseAsWritten, parseForDisplay, quoteArg, trustFingerprint, trustSummary } from '../../src/core/mcp/trust';

const FOLDER = '/home/u/project';

function one(entry: Record<string, unknown>, input?: (id: string) => string | undefined): ServerDefinition {
  const parsed = input
    ? parseServerDefinitions({ servers: { s: entry } }, '/home/u/project/.vscode/mcp.json', { workspaceFolder: FOLDER, input })
    : parseAsWritten({ servers: { s: entry } }, '/home/u/project/.vscode/mcp.json', { workspaceFolder: FOLDER });
  assert.deepEqual(parsed.issues, []);
  return parsed.servers[0];
}

const STDIO = { type: 'stdio', command: 'node', args: ['server.js', '--port', '1'], env: { TOKEN: 'secret-value', MODE: 'x' }, cwd: '${workspaceFolder}/tools' };
const HTTP = { type: 'http', url: 'https://example.com/mcp', headers: { Authorization: 'Bearer abc' } };

describe('server trust', () => {
  const base = trustFingerprint(one(STDIO), FOLDER);

  it('the fingerprint changes with the command, each arg, env names and values, cwd and transport', () => {
    const variants: Array<Record<string, unknown>> = [
      { ...STDIO, command: 'python' },
      { ...STDIO, args: ['server.js', '--port', '2'] },
      { ...STDIO, args: ['server.js', '--port', '1', '--extra'] },
      { ...STDIO, env: { TOKEN: 'secret-value', MODE: 'y' } },
      { ...STDIO, env: { TOKEN: 'secret-value', MODE: 'x', NODE_OPTIONS: '--require evil.js' } },
      { ...STDIO, cwd: '/tmp' },
    ];
    for (const v of variants) assert.notEqual(trustFingerprint(one(v), FOLDER), base, JSON.stringify(v));
    assert.equal(trustFingerprint(one({ ...STDIO }), FOLDER), base, 'the same definition has the same fingerprint');
    assert.equal(trustFingerprint(one({ ...STDIO, timeout: 5 }), FOLDER), base, 'a timeout does not change what runs');
  });

  it('the fingerprint changes with the URL, header names and values, and the transport of a remote server', () => {
    const h = trustFingerprint(one(HTTP), FOLDER);
    assert.notEqual(trustFingerprint(one({ ...HTTP, url: 'https://evil.example/mcp' }), FOLDER), h);
    assert.notEqual(trustFingerprint(one({ ...HTTP, headers: { Authorization: 'Bearer other' } }), FOLDER), h);
    assert.notEqual(trustFingerprint(one({ ...HTTP, headers: { Authorization: 'Bearer abc', 'X-More': '1' } }), FOLDER), h);
    assert.notEqual(trustFingerprint(one({ ...HTTP, type: 'sse' }), FOLDER), h);
  });

  it('the same text in another workspace folder is another definition', () => {
    const elsewhere = parseAsWritten({ servers: { s: STDIO } }, '/other/.vscode/mcp.json', { workspaceFolder: '/other' }).servers[0];
    assert.notEqual(trustFingerprint(elsewhere, '/other'), base);
    // Even without ${workspaceFolder} in it: `node server.js` runs another file there.
    const plain = { type: 'stdio', command: 'node', args: ['server.js'] };
    assert.notEqual(trustFingerprint(one(plain), FOLDER), trustFingerprint(one(plain), '/other'));
  });

  it('an ${input:} value is not part of the fingerprint, but the definition text around it is', () => {
    const withInput = { ...HTTP, headers: { Authorization: 'Bearer ${input:token}' } };
    const asWritten = one(withInput);
    assert.equal(asWritten.headers.Authorization, 'Bearer ${input:token}');
    assert.deepEqual(inputsUsed(asWritten), ['token']);
    // What the server is started with carries the secret; the fingerprint is taken without it.
    const resolved = one(withInput, () => 'very-secret');
    assert.equal(resolved.headers.Authorization, 'Bearer very-secret');
    assert.ok(!JSON.stringify(asWritten).includes('very-secret'));
    const fp = trustFingerprint(asWritten, FOLDER);
    assert.equal(trustFingerprint(one(withInput), FOLDER), fp, 'the fingerprint does not depend on the input value');
    assert.notEqual(trustFingerprint(one({ ...HTTP, headers: { Authorization: 'Token ${input:token}' } }), FOLDER), fp);
    assert.notEqual(trustFingerprint(one({ ...HTTP, headers: { Authorization: 'Bearer ${input:other}' } }), FOLDER), fp);
  });

  it('the summary shows the command line, cwd, URL, env and header names, never their values', () => {
    const s = trustSummary(one(STDIO));
    assert.equal(s.commandLine, 'node server.js --port 1');
    assert.deepEqual(s.envKeys, ['MODE', 'TOKEN']);
    assert.equal(s.cwd, `${FOLDER}/tools`);
    assert.equal(s.source, '/home/u/project/.vscode/mcp.json');
    assert.ok(!JSON.stringify(s).includes('secret-value'), 'an env value is in the summary');
    const r = trustSummary(one(HTTP));
    assert.equal(r.url, 'https://example.com/mcp');
    assert.deepEqual(r.headerKeys, ['Authorization']);
    assert.ok(!JSON.stringify(r).includes('Bearer abc'), 'a header value is in the summary');
  });

  it('with the definition as written, the summary shows env and header values as references, and masks literal secrets', () => {
    const doc = {
      servers: {
        s: { type: 'stdio', command: 'node', args: ['x.js'], env: { NODE_OPTIONS: '--require ./evil.js', TOKEN: '${env:MY_TOKEN}', KEY: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' } },
        r: { type: 'http', url: 'https://example.com/mcp', headers: { Authorization: 'Bearer ${input:token}' } },
      },
    };
    const env = { MY_TOKEN: 'the-real-secret-value' };
    const written = parseServerDefinitions(doc, 'mcp.json', { workspaceFolder: FOLDER, env, input: (id) => `\${input:${id}}` });
    const shown = parseForDisplay(doc, 'mcp.json', { workspaceFolder: FOLDER });
    const s = trustSummary(written.servers[0], shown.get('s'));
    assert.deepEqual(Object.fromEntries(s.env ?? []).NODE_OPTIONS, '--require ./evil.js');
    assert.equal(Object.fromEntries(s.env ?? []).TOKEN, '${env:MY_TOKEN}');
    assert.ok(!JSON.stringify(s.env).includes('the-real-secret-value'));
    assert.ok(!JSON.stringify(s.env).includes('ghp_abcdefghijklmnopqrstuvwxyz0123456789'), 'a literal token is masked');
    const r = trustSummary(written.servers[1], shown.get('r'));
    assert.deepEqual(r.headers, [['Authorization', 'Bearer ${input:token}']]);
  });

  it('an ${input:} value is keyed by the host that receives it', () => {
    assert.equal(inputReceiver(one(HTTP)), 'example.com');
    assert.equal(inputReceiver(one({ ...HTTP, url: 'https://EVIL.example:8443/x' })), 'evil.example:8443');
    assert.equal(inputReceiver(one(STDIO)), 'local');
    // The parser says which server an input is filled in for, so one id can hold a different value per host.
    const doc = { servers: { a: { ...HTTP, headers: { Authorization: 'Bearer ${input:token}' } }, b: { ...HTTP, url: 'https://other.example/mcp', headers: { Authorization: 'Bearer ${input:token}' } } } };
    const values: Record<string, string> = { 'example.com': 'for-example', 'other.example': 'for-other' };
    const hosts = new Map(parseAsWritten(doc, 'mcp.json', {}).servers.map((d) => [d.name, inputReceiver(d)]));
    const parsed = parseServerDefinitions(doc, 'mcp.json', { input: (_id, server) => values[hosts.get(server ?? '') ?? ''] });
    assert.deepEqual(
      parsed.servers.map((d) => [d.name, d.headers.Authorization]),
      [
        ['a', 'Bearer for-example'],
        ['b', 'Bearer for-other'],
      ],
    );
  });

  it('quotes arguments so that what is shown is what runs', () => {
    assert.equal(quoteArg('--flag=a/b.js'), '--flag=a/b.js');
    assert.equal(quoteArg('two words'), "'two words'");
    assert.equal(quoteArg("it's"), "'it'\\''s'");
    assert.equal(quoteArg('a\nrm -rf ~'), "$'a\\nrm -rf ~'");
    assert.equal(quoteArg('safe\u202Eexe.js'), "$'safe\\u202eexe.js'");
    assert.equal(quoteArg(''), "''");
  });
});
