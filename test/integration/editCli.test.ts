/**
 * The edit tools through the built CLI: the approval on a real terminal shows the unified diff; without a terminal
 * `--yes` applies and no `--yes` denies; protected configuration is never changed without a person.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
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
