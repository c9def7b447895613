/**
 * Instructions in the system prompt, against real files, real fixture MCP servers that declare `instructions` in
 * initialize, and the scripted model: AGENTS.md, .github/copilot-instructions.md and CLAUDE.md at the workspace root
 * and the user's setting, each capped and labelled; a server's instructions only while its tools are offered; none
 * of the workspace's files when the front says the workspace is not trusted; the same prefix on every request.
 */
import * as assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseSettings, type SettingsInput } from '../../src/core/config/settings';
import { AgentRuntime } from '../../src/core/runtime';
import { NodeCommandRunner } from '../../src/core/tools/nodeCommandRunner';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';
import { startScriptedOpenAI, type RecordedRequest, type ScriptedOpenAI } from '../fixtures/scriptedOpenAI';
import { agentEnv, makeWorkspace } from '../helpers/api';
import { runCli } from '../helpers/cli';
import { faultDef } from '../helpers/servers';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

function systemOf(req: RecordedRequest): string {
  const first = req.body.messages?.[0];
  assert.equal(first?.role, 'system');
  return String(first?.content);
}

describe('instructions: project files, the user setting and MCP servers shape the system prompt', function () {
  this.timeout(90_000);
  let srv: ScriptedOpenAI;
  let ws: string;
  const runtimes: AgentRuntime[] = [];

  before(async () => {
    srv = await startScriptedOpenAI();
    ws = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-instr-'));
    await writeFile(path.join(ws, 'AGENTS.md'), '# Project rules\nRun `make check` before answering about the build.\n');
    await mkdir(path.join(ws, '.github'));
    await writeFile(path.join(ws, '.github', 'copilot-instructions.md'), 'Prefer tabs in Go files.\n');
    // Longer than the cap: cut, and said so.
    await writeFile(path.join(ws, 'CLAUDE.md'), `Start of CLAUDE.md. ${'filler '.repeat(2000)}END-OF-CLAUDE-MD`);
  });
  after(async () => {
    await Promise.all(runtimes.map((r) => r.dispose()));
    await srv.close();
  });
  beforeEach(() => srv.reset());

  async function runtime(settings: SettingsInput, opts: { trusted?: boolean } = {}): Promise<AgentRuntime> {
    const dir = path.join(ws, '..', `${path.basename(ws)}-rt-${runtimes.length}`);
    const s = parseSettings({ ...settings, llm: { baseUrl: srv.url, model: 'test-model', apiKey: 'sk-test' } });
    const rt = new AgentRuntime(
      {
        logger: quiet,
        workspace: new NodeWorkspace(ws),
        commandRunner: new NodeCommandRunner(),
        clientInfo: { name: 'test', version: '0' },
        dirs: { cache: path.join(dir, 'cache'), data: path.join(dir, 'data') },
        ...(opts.trusted === false ? { readWorkspaceInstructions: () => false } : {}),
      },
      { ...s, tools: { ...s.tools, checkpoints: false } },
    );
    runtimes.push(rt);
    await rt.manager.apply([
      faultDef('fault', ['--instructions', 'FAULT RULES: greet with fault__echo.', '--tools', 'echo']),
      faultDef('other', ['--instructions', `OTHER RULES ${'x'.repeat(3000)}`, '--tools', 'add']),
    ]);
    return rt;
  }

  it('labels each source, caps long ones, and includes only servers whose tools are offered', async () => {
    const rt = await runtime({ instructions: 'Answer in English, briefly.', tools: { disabled: ['other__*'] } });
    srv.enqueue({ toolCalls: [{ name: 'fault__echo', arguments: { message: 'hi' } }] }, { text: 'done' });
    const { agent } = await rt.agent();
    const r = await agent.chat({ prompt: 'hello' });
    assert.equal(r.stopReason, 'completed', r.error);

    const system = systemOf(srv.chatRequests[0]);
    assert.match(system, /^You are MCP Agent/, 'the agent\'s own prompt comes first');
    const order = ['## From AGENTS.md\n# Project rules', '## From .github/copilot-instructions.md\nPrefer tabs', '## From CLAUDE.md\nStart of CLAUDE.md', "## From the user's settings\nAnswer in English, briefly.", '## From server "fault"\nFAULT RULES'];
    let at = -1;
    for (const part of order) {
      const i = system.indexOf(part);
      assert.ok(i > at, `${part} in order in:\n${system}`);
      at = i;
    }
    assert.doesNotMatch(system, /END-OF-CLAUDE-MD/, 'CLAUDE.md is cut at the cap');
    assert.match(system, /\[… cut: \d+ characters, only the first 8192 are included\]/);
    assert.doesNotMatch(system, /OTHER RULES/, 'a server whose tools are not offered adds nothing');
    // The same prefix on the next request of the turn (prompt caching).
    assert.equal(systemOf(srv.chatRequests[1]), system);
    assert.deepEqual(await rt.instructionSources(), ['AGENTS.md', '.github/copilot-instructions.md', 'CLAUDE.md', 'settings']);
  });

  it("a server's instructions join while its tools are offered, capped at 2 KB", async () => {
    const rt = await runtime({});
    srv.enqueue({ text: 'ok' });
    const { agent } = await rt.agent();
    await agent.chat({ prompt: 'hi' });
    const system = systemOf(srv.chatRequests[0]);
    assert.match(system, /## From server "other"\nOTHER RULES x+\n\[… cut: 3012 characters, only the first 2048 are included\]/);
    assert.ok(system.indexOf('## From server "fault"') < system.indexOf('## From server "other"'), 'servers in a fixed order');
    assert.doesNotMatch(system, /## From the user's settings/, 'no user section when the setting is empty');
  });

  it('reads no workspace files when the front says the workspace is not trusted (Restricted Mode)', async () => {
    const rt = await runtime({ instructions: 'USER RULE' }, { trusted: false });
    srv.enqueue({ text: 'ok' });
    const { agent } = await rt.agent();
    await agent.chat({ prompt: 'hi' });
    const system = systemOf(srv.chatRequests[0]);
    assert.doesNotMatch(system, /AGENTS\.md|Project rules|Prefer tabs|CLAUDE/);
    assert.match(system, /## From the user's settings\nUSER RULE/);
    // What the panel shows.
    assert.deepEqual(await rt.instructionSources(), ['settings']);
  });

  it('the CLI: `instructions` in the config file, AGENTS.md in the working directory', async () => {
    const cliWs = await makeWorkspace({ extraYaml: 'instructions: "CONFIG FILE RULE: be terse."\n' });
    await writeFile(path.join(cliWs.dir, 'AGENTS.md'), 'CLI PROJECT RULE\n');
    srv.enqueue({ text: 'ok' });
    const run = await runCli(['chat', 'hi'], { cwd: cliWs.dir, env: agentEnv(cliWs, srv.url) });
    assert.equal(run.code, 0, run.stderr);
    const system = systemOf(srv.chatRequests[0]);
    assert.match(system, /## From AGENTS.md\nCLI PROJECT RULE/);
    assert.match(system, /## From the user's settings\nCONFIG FILE RULE: be terse\./);
    assert.doesNotMatch(system, /## From server/, 'the fault server of config.yaml declares no instructions: no section');
  });
});
