/** tools.disabled through the built CLI and a real MCP server: marked in `tools`, never offered, never run. */
import * as assert from 'node:assert/strict';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../fixtures/scriptedOpenAI';
import { agentEnv, makeWorkspace } from '../helpers/api';
import { runCli } from '../helpers/cli';
import { unwrapToolMessages } from '../helpers/toolEnvelope';

describe('mcp-agent: tools.disabled', function () {
  this.timeout(60_000);
  let srv: ScriptedOpenAI;
  before(async () => {
    srv = await startScriptedOpenAI();
  });
  after(async () => srv.close());

  it('marks disabled tools in `tools`, leaves them out of the model\'s tools, and refuses a call to one', async () => {
    const ws = await makeWorkspace({ extraYaml: 'tools:\n  disabled: ["fault__add", "run_*"]\n' });
    const env = agentEnv(ws, srv.url);
    const table = await runCli(['tools'], { cwd: ws.dir, env });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^fault__add \(disabled\) /m);
    assert.match(table.stdout, /^fault__echo /m);
    const json = JSON.parse((await runCli(['tools', '--json'], { cwd: ws.dir, env })).stdout) as Array<{ name: string; disabled: boolean }>;
    assert.equal(json.find((t) => t.name === 'fault__add')?.disabled, true);
    assert.equal(json.find((t) => t.name === 'fault__echo')?.disabled, false);

    srv.enqueue({ toolCalls: [{ name: 'fault__add', arguments: { a: 1, b: 2 } }] }, { text: 'could not add' });
    const chat = await runCli(['chat', '--yes', 'add 1 and 2'], { cwd: ws.dir, env });
    assert.equal(chat.code, 0, chat.stderr);
    const offered = (srv.chatRequests[0].body.tools ?? []).map((t) => t.function.name);
    assert.ok(!offered.includes('fault__add') && !offered.includes('run_command'), offered.join(','));
    assert.ok(offered.includes('fault__echo'));
    assert.match(String(unwrapToolMessages(srv.chatRequests[1].body.messages)[0].content), /there is no tool named "fault__add"/);
  });
});
