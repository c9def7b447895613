/**
 * The CLI behind an HTTP proxy named by the environment: the built CLI as a child process, with the scripted model
 * and an MCP server over Streamable HTTP reached through a test proxy (test/fixtures/httpProxy.ts), or directly when
 * NO_PROXY names them.
 */
import * as assert from 'node:assert/strict';
import { modelAgentFromEnv } from '../../src/cli/proxy';
import { OpenAIProvider } from '../../src/core/llm/openai';
import { startProxy, type TestProxy } from '../fixtures/httpProxy';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../fixtures/scriptedOpenAI';
import { agentEnv, makeWorkspace, type TestWorkspace } from '../helpers/api';
import { assertNoStack, runCli } from '../helpers/cli';
import { startEverythingHttp, type RunningServer } from '../helpers/servers';

describe('mcp-agent behind a proxy (HTTP_PROXY, HTTPS_PROXY, NO_PROXY)', function () {
  this.timeout(60_000);
  let srv: ScriptedOpenAI;
  let proxy: TestProxy;
  let mcp: RunningServer;
  let ws: TestWorkspace;

  before(async () => {
    [srv, proxy, mcp] = await Promise.all([startScriptedOpenAI(), startProxy(), startEverythingHttp('streamableHttp')]);
    ws = await makeWorkspace({ extraYaml: `  - name: remote\n    url: ${JSON.stringify(mcp.url)}\n` });
  });
  after(async () => {
    await Promise.all([srv.close(), proxy.close(), mcp.stop()]);
  });
  beforeEach(() => {
    srv.reset();
    proxy.seen.length = 0;
  });

  const turn = async (env: Record<string, string>) => {
    srv.enqueue({ toolCalls: [{ name: 'remote__echo', arguments: { message: 'through' } }] }, { text: 'Echoed.' });
    const r = await runCli(['chat', 'echo through'], { cwd: ws.dir, env: agentEnv(ws, srv.url, env), timeoutMs: 45_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Echoed.\n');
    assertNoStack(r.stderr);
    assert.match(String(srv.chatRequests[1]?.body.messages?.find((m) => m.role === 'tool')?.content), /through/);
  };

  it('sends the model requests and the MCP server\'s through the proxy', async () => {
    await turn({ HTTP_PROXY: proxy.url });
    const model = `POST ${srv.url}/chat/completions`;
    assert.equal(proxy.seen.filter((s) => s === model).length, 2, proxy.seen.join('\n'));
    const mcpHost = new URL(mcp.url).host;
    assert.ok(proxy.seen.includes(`CONNECT ${mcpHost}`), `the MCP server was reached through a tunnel: ${proxy.seen.join('\n')}`);
  });

  it('gives the provider one agent per proxy, kept for the conversation', async () => {
    const agentFor = modelAgentFromEnv({ HTTP_PROXY: proxy.url });
    assert.ok(agentFor);
    const provider = new OpenAIProvider({ baseUrl: srv.url, model: 'm', agentFor });
    for (const text of ['one', 'two']) {
      srv.enqueue({ text });
      let got = '';
      for await (const e of provider.stream({ messages: [{ role: 'user', content: 'x' }] })) if (e.type === 'text') got += e.delta;
      assert.equal(got, text);
    }
    assert.deepEqual(proxy.seen, [`POST ${srv.url}/chat/completions`, `POST ${srv.url}/chat/completions`]);
    assert.equal(agentFor(new URL(srv.url)), agentFor(new URL(`${srv.url}/other`)), 'one agent for the proxy');
    assert.equal(modelAgentFromEnv({}), undefined, 'no proxy: Node\'s default agent');
  });

  it('reaches the hosts NO_PROXY names directly', async () => {
    await turn({ http_proxy: proxy.url, no_proxy: 'localhost,127.0.0.1' });
    assert.deepEqual(proxy.seen, []);
  });
});
