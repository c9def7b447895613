import * as assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { assertNoStack, runCli } from '../helpers/cli';
import { EVERYTHING, FAULT_SERVER, startEverythingHttp, type RunningServer } from '../helpers/servers';

const node = JSON.stringify(process.execPath);

describe('mcp-agent CLI: servers, tools, call', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-cli-'));
  });

  it("lists tools from the original system's config.yaml (discovered), with --json fields", async () => {
    await writeFile(path.join(dir, 'config.yaml'), `mcp_servers:\n  - name: everything\n    command: ${node}\n    args: [${JSON.stringify(EVERYTHING)}]\n`);
    const r = await runCli(['tools', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const tools = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    const echo = tools.find((t) => t.name === 'everything__echo');
    assert.ok(echo, r.stdout);
    assert.equal(echo.server, 'everything');
    assert.equal(echo.tool, 'echo');
    assert.equal(typeof echo.description, 'string');
    assert.equal((echo.inputSchema as { type: string }).type, 'object');
  });

  it('reads .vscode/mcp.json and .mcp.json; calls a tool by namespaced and by bare name', async () => {
    await mkdir(path.join(dir, '.vscode'));
    await writeFile(path.join(dir, '.vscode/mcp.json'), JSON.stringify({ servers: { fault: { type: 'stdio', command: process.execPath, args: [FAULT_SERVER] } } }));
    let r = await runCli(['call', 'fault__add', '--args', '{"a":2,"b":3}'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '5');
    const claude = path.join(dir, 'claude.json');
    await writeFile(claude, JSON.stringify({ mcpServers: { mem: { command: process.execPath, args: [FAULT_SERVER] } } }));
    r = await runCli(['call', 'add', '--args', '{"a":1,"b":1}', '--config', claude, '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).content, [{ type: 'text', text: '2' }]);
  });

  for (const mode of ['streamableHttp', 'sse'] as const) {
    it(`lists and calls tools of a ${mode} server given with --url`, async () => {
      let srv: RunningServer | undefined;
      try {
        srv = await startEverythingHttp(mode);
        const list = await runCli(['tools', '--url', srv.url], { cwd: dir });
        assert.equal(list.code, 0, list.stderr);
        assert.match(list.stdout, /url__echo/);
        const call = await runCli(['call', 'echo', '--url', srv.url, '--args', '{"message":"remote"}'], { cwd: dir });
        assert.equal(call.code, 0, call.stderr);
        assert.match(call.stdout, /remote/);
      } finally {
        await srv?.stop();
      }
    });
  }

  it('reports an invalid entry naming server and field on stderr, and still lists the others', async () => {
    const file = path.join(dir, 'mixed.yaml');
    await writeFile(file, `mcp_servers:\n  - name: good\n    command: ${node}\n    args: [${JSON.stringify(FAULT_SERVER)}]\n  - name: broken\n    url: 42\n  - name: missing\n    command: no-such-command-anywhere\n`);
    const r = await runCli(['tools', '--config', file], { cwd: dir });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /good__echo/);
    assert.match(r.stderr, /server "broken" url:/);
    assert.match(r.stderr, /server "missing".*"no-such-command-anywhere" was not found/);
    assertNoStack(r.stderr);
  });

  it('exits 2 with file and line for a file that does not parse, without a stack trace', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, '{\n  "servers": {\n    "a": { "command": "x" },,\n  }\n}');
    const r = await runCli(['tools', '--config', file], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: invalid JSON`));
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assertNoStack(r.stderr);
  });

  it('exits 1 when the tool returns isError, 2 for usage errors, 3 when unreachable or timed out', async () => {
    const file = path.join(dir, 'f.yaml');
    await writeFile(file, `mcp_servers:\n  - name: f\n    command: ${node}\n    args: [${JSON.stringify(FAULT_SERVER)}]\n    timeout: 1\n`);
    const fail = await runCli(['call', 'f__fail', '--config', file], { cwd: dir });
    assert.equal(fail.code, 1);
    assert.match(fail.stdout, /it failed on purpose/);
    const badArgs = await runCli(['call', 'f__echo', '--args', '{nope', '--config', file], { cwd: dir });
    assert.equal(badArgs.code, 2);
    assert.match(badArgs.stderr, /--args is not valid JSON/);
    const unknown = await runCli(['call', 'f__nothing', '--config', file], { cwd: dir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no tool named "f__nothing"/);
    const badFlag = await runCli(['tools', '--bogus'], { cwd: dir });
    assert.equal(badFlag.code, 2);
    const hang = await runCli(['call', 'f__hang', '--config', file], { cwd: dir });
    assert.equal(hang.code, 3);
    assert.match(hang.stderr, /server "f": "hang" timed out after 1 s/);
    const gone = await runCli(['call', 'echo', '--url', 'http://127.0.0.1:9/mcp'], { cwd: dir });
    assert.equal(gone.code, 3);
    assert.match(gone.stderr, /server "url".*could not connect/);
    for (const r of [fail, badArgs, unknown, badFlag, hang, gone]) assertNoStack(r.stderr);
  });

  it('shows server state, transport, tool count and last error', async () => {
    const file = path.join(dir, 's.json');
    await writeFile(file, JSON.stringify({ servers: { up: { command: process.execPath, args: [FAULT_SERVER] }, down: { command: process.execPath, args: [FAULT_SERVER, '--exit-at-start', '3', '--stderr', 'no token'] }, off: { command: 'x', disabled: true } } }));
    const r = await runCli(['servers', '--config', file, '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Array<{ name: string; state: string; transport: string; tools: number; lastError: string | null }>;
    const by = Object.fromEntries(rows.map((row) => [row.name, row]));
    assert.equal(by.up.state, 'connected');
    assert.equal(by.up.transport, 'stdio');
    assert.ok(by.up.tools > 5);
    assert.equal(by.down.state, 'error');
    assert.match(by.down.lastError ?? '', /no token/);
    assert.equal(by.off.state, 'disabled');
  });
});
