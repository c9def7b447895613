/**
 * The edit tools through the built CLI: the approval on a real terminal shows the unified diff; without a terminal
 * `--yes` applies and no `--yes` denies; protected configuration is never changed without a person.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../fixtures/scriptedOpenAI';
import { agentEnv, makeWorkspace, type TestWorkspace } from '../helpers/api';
import { runCli } from '../helpers/cli';
import { hasScript, onTerminal } from '../helpers/pty';
import { unwrapToolMessages } from '../helpers/toolEnvelope';

describe('mcp-agent chat: edit_file and write_file', function () {
  this.timeout(60_000);
  let srv: ScriptedOpenAI;
  let ws: TestWorkspace;
  before(async () => {
    srv = await startScriptedOpenAI();
  });
  after(async () => srv.close());
  beforeEach(async () => {
    srv.reset();
    ws = await makeWorkspace();
    writeFileSync(path.join(ws.dir, 'app.js'), 'function greet() {\r\n  return "hi";\r\n}\r\n');
  });
  const read = (f: string) => readFileSync(path.join(ws.dir, f), 'utf8');
  const edit = { name: 'edit_file', arguments: { path: 'app.js', edits: [{ oldText: 'return "hi";', newText: 'return "hello";' }] } };

  it('without a terminal: denied unless --yes, which applies it keeping CRLF', async () => {
    srv.enqueue({ toolCalls: [edit] }, { text: 'not done' });
    const denied = await runCli(['chat', 'greet better'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
    assert.equal(denied.code, 0, denied.stderr);
    assert.match(String(unwrapToolMessages(srv.chatRequests[1].body.messages)[0].content), /^Not run: the user declined/);
    assert.equal(read('app.js'), 'function greet() {\r\n  return "hi";\r\n}\r\n');

    srv.reset();
    srv.enqueue({ toolCalls: [edit] }, { text: 'done' });
    const yes = await runCli(['chat', '--yes', 'greet better'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
    assert.equal(yes.code, 0, yes.stderr);
    assert.equal(read('app.js'), 'function greet() {\r\n  return "hello";\r\n}\r\n');
    assert.match(String(unwrapToolMessages(srv.chatRequests[1].body.messages)[0].content), /Edited app\.js \(\+1 -1 lines\)/);
  });

  it('--yes never covers the agent\'s own configuration', async () => {
    srv.enqueue({ toolCalls: [{ name: 'write_file', arguments: { path: 'config.yaml', content: 'mcp_servers: []\n' } }] }, { text: 'no' });
    const before = read('config.yaml');
    const r = await runCli(['chat', '--yes', 'clear servers'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(read('config.yaml'), before);
  });

  describe('on a terminal', () => {
    before(function () {
      if (!hasScript()) this.skip();
    });

    it('shows the unified diff (control characters escaped) and applies only on yes', async () => {
      const sneaky = { name: 'edit_file', arguments: { path: 'app.js', edits: [{ oldText: 'return "hi";', newText: 'return "hello";\u001b[2K // ok' }] } };
      srv.enqueue({ toolCalls: [sneaky] }, { text: 'Declined, fine.' });
      const no = await onTerminal(['chat', 'greet better'], ['n'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
      assert.equal(no.code, 0, no.output);
      assert.match(no.output, /--- a\/app\.js\n\+\+\+ b\/app\.js\n@@ -1,3 \+1,3 @@\n function greet\(\) \{\n- {2}return "hi";\n\+ {2}return "hello";\\x1b\[2K \/\/ ok\n \}/);
      assert.match(no.output, /Apply this change to app\.js\?\n\[y\]es, \[n\]o: /);
      assert.equal(read('app.js'), 'function greet() {\r\n  return "hi";\r\n}\r\n');

      srv.reset();
      srv.enqueue({ toolCalls: [edit] }, { text: 'Applied.' });
      const yes = await onTerminal(['chat', 'greet better'], ['y'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
      assert.equal(yes.code, 0, yes.output);
      assert.equal(read('app.js'), 'function greet() {\r\n  return "hello";\r\n}\r\n');
    });
  });
});

describe('checkpoints through the CLI: a turn that edits, runs rm and creates files, then /undo on a real pty', function () {
  this.timeout(90_000);
  let srv: ScriptedOpenAI;
  let ws: TestWorkspace;
  before(async function () {
    if (!hasScript()) this.skip();
    srv = await startScriptedOpenAI();
  });
  after(async () => srv?.close());
  beforeEach(async () => {
    srv.reset();
    ws = await makeWorkspace();
    writeFileSync(path.join(ws.dir, 'app.js'), 'let n = 1;\n');
    writeFileSync(path.join(ws.dir, 'old.txt'), 'old\n');
  });
  const read = (f: string) => readFileSync(path.join(ws.dir, f), 'utf8');

  it('/undo restores the workspace after showing the files; checkpoints list/diff/restore take it back again', async () => {
    srv.enqueue(
      {
        toolCalls: [
          { name: 'edit_file', arguments: { path: 'app.js', edits: [{ oldText: 'let n = 1;', newText: 'let n = 2;' }] } },
          { name: 'run_command', arguments: { command: 'rm old.txt && mkdir -p gen && echo made > gen/new.txt' } },
        ],
      },
      { text: 'Changed three things.' },
    );
    const env = agentEnv(ws, srv.url);
    const r = await onTerminal(['chat', '--yes'], ['change things', '/checkpoints', '/undo', 'y', '/undo', '/exit'], { cwd: ws.dir, env });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /\[checkpoint [0-9a-f]{10}: \/undo/);
    assert.match(r.output, /Changed three things\./);
    assert.match(r.output, /ID +TAKEN +KIND +BEFORE\n[0-9a-f]{10} .* turn +change things/);
    assert.match(r.output, /Undoing the last turn \(checkpoint [0-9a-f]{10}, before "change things"\) changes 3 files:\n {2}reverted app\.js\n {2}deleted +gen\/new\.txt\n {2}restored old\.txt\nRestore\? \[y\]es, \[n\]o: /);
    assert.match(r.output, /Restored 3 files\. To take this back: mcp-agent checkpoints restore ([0-9a-f]{10})/);
    assert.match(r.output, /Nothing to undo: no turn has changed the workspace yet\./);
    assert.equal(read('app.js'), 'let n = 1;\n');
    assert.equal(read('old.txt'), 'old\n');
    assert.equal(existsSync(path.join(ws.dir, 'gen')), false);

    // The undo is itself undoable, from the non-interactive command.
    const list = await runCli(['checkpoints', 'list', '--json'], { cwd: ws.dir, env });
    assert.equal(list.code, 0, list.stderr);
    const entries = JSON.parse(list.stdout) as Array<{ id: string; kind: string }>;
    assert.deepEqual(entries.map((e) => e.kind), ['restore', 'turn']);
    const diff = await runCli(['checkpoints', 'diff', entries[0].id.slice(0, 8)], { cwd: ws.dir, env });
    assert.match(diff.stdout, /^-let n = 2;$\n^\+let n = 1;$/m);
    const refused = await runCli(['checkpoints', 'restore', entries[0].id.slice(0, 8)], { cwd: ws.dir, env });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /confirm on a terminal, or pass --yes/);
    const redo = await runCli(['checkpoints', 'restore', entries[0].id.slice(0, 8), '--yes'], { cwd: ws.dir, env });
    assert.equal(redo.code, 0, redo.stderr);
    assert.equal(read('app.js'), 'let n = 2;\n');
    assert.equal(read('gen/new.txt'), 'made\n');
    assert.equal(existsSync(path.join(ws.dir, 'old.txt')), false);
    const bad = await runCli(['checkpoints', 'diff', 'abcdef12'], { cwd: ws.dir, env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^mcp-agent: no checkpoint "abcdef12"/);
  });
});
