/**
 * One composition root for every front: the CLI's runtime (from a config file) and the editor's (from mcpAgent.*
 * settings, mapped the way src/vscode/config.ts maps them) behave the same on the same settings, and a turn's own
 * approver gets each parallel call's question with that call's id.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfigFiles } from '../../src/core/config/configFile';
import { parseSettings } from '../../src/core/config/settings';
import type { ApprovalDecision, ApprovalRequest, Approver } from '../../src/core/ports';
import { AgentRuntime } from '../../src/core/runtime';
import type { Conversations } from '../../src/core/store/Conversations';
import { NodeCommandRunner } from '../../src/core/tools/nodeCommandRunner';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';
import { startCliRuntime } from '../../src/cli/runtime';
import { settingsFromEditor } from '../../src/vscode/settingsMap';
import { startScriptedOpenAI, type ScriptedOpenAI, type WireMessage } from '../fixtures/scriptedOpenAI';
import { FAULT_SERVER, faultDef } from '../helpers/servers';

class RecordingApprover implements Approver {
  readonly asked: ApprovalRequest[] = [];
  constructor(private readonly answer: ApprovalDecision = 'allow') {}
  async request(req: ApprovalRequest): Promise<ApprovalDecision> {
    this.asked.push(req);
    return this.answer;
  }
}

const KEY = 'sk-runtime-test-0123456789abcdef';

describe('AgentRuntime: one wiring for every front', function () {
  this.timeout(60_000);
  let srv: ScriptedOpenAI;
  let dir: string;
  const runtimes: AgentRuntime[] = [];

  before(async () => {
    srv = await startScriptedOpenAI({ apiKey: KEY });
    dir = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-runtime-'));
  });
  after(async () => {
    await Promise.all(runtimes.map((r) => r.dispose()));
    await srv.close();
  });
  beforeEach(() => srv.reset());

  const values = () => ({
    llm: { baseUrl: srv.url, model: 'test-model', apiKey: KEY },
    tools: { maxRounds: 3, approval: { allowCommands: ['echo'], denyCommands: ['git push'] } },
  });

  /** The CLI front: a config file, as `mcp-agent chat --config` reads it. */
  async function cliFront(name: string): Promise<AgentRuntime> {
    const ws = await mkdtemp(path.join(dir, `${name}-`));
    const file = path.join(ws, 'agent.json');
    await writeFile(file, JSON.stringify({ ...values(), mcpServers: { fault: { command: process.execPath, args: [FAULT_SERVER] } } }));
    process.env.MCP_AGENT_DATA_DIR = path.join(ws, 'data');
    process.env.MCP_AGENT_CACHE_DIR = path.join(ws, 'cache');
    const config = await loadConfigFiles([file], { workspaceFolder: ws });
    const rt = await startCliRuntime({ config: [file], json: false, verbose: false, workspace: ws, interactive: false }, config);
    runtimes.push(rt);
    return rt;
  }

  /** The editor front: the same values as mcpAgent.* settings, through the editor's mapping. */
  async function editorFront(name: string): Promise<AgentRuntime> {
    const ws = await mkdtemp(path.join(dir, `${name}-`));
    const v = values();
    const flat: Record<string, unknown> = { 'llm.baseUrl': v.llm.baseUrl, 'llm.model': v.llm.model, 'tools.maxRounds': v.tools.maxRounds, 'tools.approval.allowCommands': v.tools.approval.allowCommands, 'tools.approval.denyCommands': v.tools.approval.denyCommands };
    const settings = parseSettings(settingsFromEditor((k) => flat[k]));
    // The extension keeps the key in SecretStorage and puts it into the settings it hands the runtime.
    const rt = new AgentRuntime(
      { logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} }, workspace: new NodeWorkspace(ws), commandRunner: new NodeCommandRunner(), clientInfo: { name: 'test', version: '0' }, dirs: { cache: path.join(ws, 'cache'), data: path.join(ws, 'data') } },
      { ...settings, llm: { ...settings.llm, apiKey: KEY } },
    );
    runtimes.push(rt);
    await rt.manager.apply([faultDef('fault')]);
    return rt;
  }

  /** One scripted turn: a denied command, an allowed one, a tool that prints the key, then the round cap. */
  async function scriptedTurn(rt: AgentRuntime) {
    srv.reset();
    srv.enqueue(
      { toolCalls: [{ name: 'run_command', arguments: { command: 'git push --force' } }, { name: 'run_command', arguments: { command: 'echo hi' } }] },
      { toolCalls: [{ name: 'fault__hostile', arguments: { text: `the key is ${KEY}` } }] },
      { toolCalls: [{ name: 'fault__echo', arguments: { message: 'again' } }] },
      { text: 'never reached' },
    );
    const { agent } = await rt.agent();
    const r = await agent.chat({ prompt: 'go' });
    const stored = await rt.store.load(r.conversation_id!);
    const requests = srv.chatRequests.map((q) => ({ tools: (q.body.tools ?? []).map((t) => t.function.name).sort(), messages: (q.body.messages as WireMessage[]).map((m) => ({ role: m.role, content: m.content })) }));
    return { r, stored, requests };
  }

  it('the CLI and the editor build the same agent from the same settings', async () => {
    const cli = await scriptedTurn(await cliFront('cli'));
    const editor = await scriptedTurn(await editorFront('editor'));
    for (const run of [cli, editor]) {
      // maxRounds 3 from the settings: the fourth script is never asked for.
      assert.equal(run.r.stopReason, 'round-cap');
      assert.equal(run.requests.length, 3);
      const results = run.r.tool_calls.map((c) => [c.name, c.isError]);
      // denyCommands refused git push; allowCommands ran echo without asking (no approver is there to ask).
      assert.deepEqual(results.slice(0, 2), [['run_command', true], ['run_command', false]]);
      // The API key is stripped from what is stored, whichever front set it.
      assert.doesNotMatch(JSON.stringify(run.stored.messages), new RegExp(KEY));
      // Tool failures are stored as such.
      const tools = run.stored.messages.filter((m) => m.role === 'tool');
      assert.equal(tools[0].role === 'tool' && tools[0].isError, true);
    }
    // The same system prompt's first lines, the same tools, the same conversation shape.
    const shape = (run: typeof cli) => run.requests.map((q) => ({ tools: q.tools, roles: q.messages.map((m) => m.role) }));
    assert.deepEqual(shape(cli), shape(editor));
  });

  it("asks the turn's own approver, once per parallel call, with that call's id", async () => {
    const rt = await editorFront('approvals');
    srv.enqueue(
      {
        toolCalls: [
          { id: 'call_a', name: 'fault__big', arguments: { bytes: 3 } },
          { id: 'call_b', name: 'fault__big', arguments: { bytes: 4 } },
        ],
      },
      { text: 'done' },
    );
    const turnApprover = new RecordingApprover('allow');
    const { agent } = await rt.agent();
    const events: Array<{ type: string; id?: string; request?: ApprovalRequest }> = [];
    const r = await agent.chat({ prompt: 'two of one tool', approver: turnApprover, onEvent: (e) => events.push(e) });
    assert.equal(r.stopReason, 'completed');
    assert.deepEqual(turnApprover.asked.map((a) => [a.tool, a.callId, (a.args as { bytes: number }).bytes]).sort(), [
      ['fault__big', 'call_a', 3],
      ['fault__big', 'call_b', 4],
    ]);
    assert.deepEqual(
      events.filter((e) => e.type === 'approval').map((e) => [e.id, e.request?.callId]).sort(),
      [
        ['call_a', 'call_a'],
        ['call_b', 'call_b'],
      ],
    );
  });

  it('keeps the cache and the servers across a settings change, and uses the new settings from the next turn', async () => {
    const rt = await editorFront('update');
    const before = await rt.agent();
    rt.updateSettings(parseSettings({ llm: { baseUrl: srv.url, model: 'other-model', apiKey: KEY }, tools: { maxRounds: 1 } }));
    const after = await rt.agent();
    assert.notEqual(before.agent, after.agent);
    assert.equal(rt.manager.servers()[0].state, 'connected');
    srv.enqueue({ toolCalls: [{ name: 'fault__echo', arguments: { message: 'x' } }] }, { text: 'no' });
    const r = await after.agent.chat({ prompt: 'go' });
    assert.equal(r.stopReason, 'round-cap');
    assert.equal(srv.chatRequests[0].body.model, 'other-model');
    // Conversations live under the data directory the front gave.
    assert.ok((await readdir((rt.store as Conversations).dir)).some((f) => f.endsWith('.json')));
  });
});
