import * as assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigFileError, discoverConfigFile, loadConfigFiles, parseConfigText } from '../../src/core/config/configFile';
import { definitionHash, parseServerDefinitions, substitute } from '../../src/core/mcp/serverConfig';

describe('server definitions', () => {
  it('reads VS Code mcp.json (servers with type, env, cwd, headers)', () => {
    const { servers, issues } = parseServerDefinitions(
      {
        servers: {
          fs: { type: 'stdio', command: 'npx', args: ['-y', 'pkg', 1], env: { A: 'b', N: 3 }, cwd: '/tmp' },
          web: { type: 'http', url: 'https://example.com/mcp', headers: { 'X-Key': 'k' } },
          old: { type: 'sse', url: 'http://localhost:1/sse' },
        },
        inputs: [],
      },
      'mcp.json',
    );
    assert.deepEqual(issues, []);
    assert.equal(servers.length, 3);
    const [fs, web, old] = servers;
    assert.equal(fs.transport, 'stdio');
    assert.deepEqual(fs.args, ['-y', 'pkg', '1']);
    assert.deepEqual(fs.env, { A: 'b', N: '3' });
    assert.equal(fs.cwd, '/tmp');
    assert.equal(fs.timeoutMs, 60_000);
    assert.equal(web.transport, 'http');
    assert.deepEqual(web.headers, { 'X-Key': 'k' });
    assert.equal(old.transport, 'sse');
  });

  it('reads Claude Desktop / Cursor mcpServers; a URL without type is auto (HTTP, then SSE)', () => {
    const { servers, issues } = parseServerDefinitions(
      { mcpServers: { mem: { command: 'node', args: ['x.js'] }, remote: { url: 'http://h/mcp', headers: { Authorization: 'Bearer t' } } } },
      '.mcp.json',
    );
    assert.deepEqual(issues, []);
    assert.equal(servers[0].transport, 'stdio');
    assert.equal(servers[1].transport, 'auto');
    assert.equal(servers[1].headers.Authorization, 'Bearer t');
  });

  it("reads the original system's config.yaml: api_key becomes a bearer header; timeout and disabled", () => {
    const doc = parseConfigText(
      'mcp_servers:\n  - name: server1\n    url: http://localhost:8000\n    api_key: secret1\n    timeout: 5\n  - name: local\n    command: node\n    args: [a.js]\n    disabled: true\n',
      'config.yaml',
    );
    const { servers, issues } = parseServerDefinitions(doc, 'config.yaml');
    assert.deepEqual(issues, []);
    assert.equal(servers[0].headers.Authorization, 'Bearer secret1');
    assert.equal(servers[0].timeoutMs, 5000);
    assert.equal(servers[0].transport, 'auto');
    assert.equal(servers[1].disabled, true);
  });

  it('reports an invalid entry by server and field, and keeps the others', () => {
    const { servers, issues } = parseServerDefinitions(
      {
        servers: {
          good: { command: 'node' },
          noCmd: { type: 'stdio' },
          badUrl: { type: 'http', url: 'not a url' },
          ftp: { url: 'ftp://x' },
          badTimeout: { command: 'node', timeout: -1 },
          badArgs: { command: 'node', args: 'x' },
          nothing: {},
        },
      },
      'f.json',
    );
    assert.deepEqual(
      servers.map((s) => s.name),
      ['good'],
    );
    const by = Object.fromEntries(issues.map((i) => [i.server, i]));
    assert.equal(by.noCmd.field, 'command');
    assert.equal(by.badUrl.field, 'url');
    assert.match(by.badUrl.message, /not a valid URL/);
    assert.equal(by.ftp.field, 'url');
    assert.equal(by.badTimeout.field, 'timeout');
    assert.equal(by.badArgs.field, 'args');
    assert.match(by.nothing.message, /command.*url/);
  });

  it('substitutes ${env:X}, ${workspaceFolder} and ${input:ID}', () => {
    const ctx = { env: { TOKEN: 't0k' }, workspaceFolder: '/ws', input: (id: string) => (id === 'key' ? 'K' : undefined) };
    assert.equal(substitute('${workspaceFolder}/a ${env:TOKEN} ${env:MISSING}!', ctx), '/ws/a t0k !');
    const { servers, issues } = parseServerDefinitions(
      { servers: { a: { command: 'node', args: ['${workspaceFolder}/s.js'], env: { K: '${input:key}' } }, b: { command: 'node', env: { K: '${input:nope}' } } } },
      'f',
      ctx,
    );
    assert.deepEqual(servers[0].args, ['/ws/s.js']);
    assert.equal(servers[0].env.K, 'K');
    assert.equal(issues[0].server, 'b');
    assert.match(issues[0].message, /input "nope"/);
  });

  it('hashes definitions stably and sees changes', () => {
    const a = parseServerDefinitions({ servers: { s: { command: 'node', env: { A: '1', B: '2' } } } }, 'x').servers[0];
    const b = parseServerDefinitions({ servers: { s: { env: { B: '2', A: '1' }, command: 'node' } } }, 'y').servers[0];
    const c = parseServerDefinitions({ servers: { s: { command: 'node', env: { A: '1', B: '3' } } } }, 'x').servers[0];
    assert.equal(definitionHash(a), definitionHash(b));
    assert.notEqual(definitionHash(a), definitionHash(c));
  });
});

describe('config files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-cfg-'));
  });

  it('gives the file and line of a JSON syntax error', async () => {
    const file = path.join(dir, 'mcp.json');
    await writeFile(file, '{\n  "servers": {\n    "a": { "command": "node" }\n    "b": {}\n  }\n}\n');
    await assert.rejects(loadConfigFiles([file]), (err: unknown) => err instanceof ConfigFileError && err.line === 4 && err.message.startsWith(`${file}:4:`));
  });

  it('accepts comments and trailing commas in JSON (VS Code writes them)', async () => {
    const file = path.join(dir, 'mcp.json');
    await writeFile(file, '{\n // my servers\n "servers": { "a": { "command": "node", }, },\n}\n');
    const cfg = await loadConfigFiles([file]);
    assert.equal(cfg.servers[0].name, 'a');
  });

  it('gives the file and line of a YAML syntax error', async () => {
    const file = path.join(dir, 'config.yaml');
    await writeFile(file, 'mcp_servers:\n  - name: a\n    command: node\n   bad: [\n');
    await assert.rejects(loadConfigFiles([file]), (err: unknown) => err instanceof ConfigFileError && err.line !== undefined && err.message.includes('config.yaml:'));
  });

  it('names a missing file', async () => {
    await assert.rejects(loadConfigFiles([path.join(dir, 'nope.yaml')]), /nope\.yaml: file not found/);
  });

  it('merges several files; the first definition of a name wins; llm/tools/cache sections are kept', async () => {
    const a = path.join(dir, 'a.yaml');
    const b = path.join(dir, 'b.json');
    await writeFile(a, 'llm:\n  model: m1\nmcp_servers:\n  - name: x\n    command: node\n');
    await writeFile(b, JSON.stringify({ mcpServers: { x: { command: 'other' }, y: { url: 'http://h/' } }, tools: { maxResultChars: 10 } }));
    const cfg = await loadConfigFiles([a, b]);
    assert.deepEqual(
      cfg.servers.map((s) => [s.name, s.command ?? s.url]),
      [
        ['x', 'node'],
        ['y', 'http://h/'],
      ],
    );
    assert.equal(cfg.issues.length, 1);
    assert.equal(cfg.issues[0].server, 'x');
    assert.deepEqual(cfg.llm, { model: 'm1' });
    assert.deepEqual(cfg.tools, { maxResultChars: 10 });
  });

  it('discovers config.yaml, then .vscode/mcp.json, then .mcp.json, then mcp.json', async () => {
    assert.equal(await discoverConfigFile(dir), undefined);
    await writeFile(path.join(dir, 'mcp.json'), '{}');
    assert.equal(await discoverConfigFile(dir), path.join(dir, 'mcp.json'));
    await writeFile(path.join(dir, '.mcp.json'), '{}');
    assert.equal(await discoverConfigFile(dir), path.join(dir, '.mcp.json'));
    await mkdir(path.join(dir, '.vscode'));
    await writeFile(path.join(dir, '.vscode/mcp.json'), '{}');
    assert.equal(await discoverConfigFile(dir), path.join(dir, '.vscode/mcp.json'));
    await writeFile(path.join(dir, 'config.yaml'), '');
    assert.equal(await discoverConfigFile(dir), path.join(dir, 'config.yaml'));
  });
});
