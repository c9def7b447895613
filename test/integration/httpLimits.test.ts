import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpAgent } from '../../src/core/mcp/McpAgent';
import { definitionFromUrl, type ServerDefinition } from '../../src/core/mcp/serverConfig';
import { guardedFetch } from '../../src/core/mcp/transports';
import { everythingDef, startEverythingHttp, textOf, type RunningServer } from '../helpers/servers';

const LIMIT = 64 * 1024;

describe('limits on what HTTP and SSE servers send', function () {
  this.timeout(60_000);
  let server: RunningServer | undefined;
  let agent: McpAgent | undefined;
  afterEach(async () => {
    await agent?.stop();
    await server?.stop();
    agent = server = undefined;
  });

  for (const mode of ['streamableHttp', 'sse'] as const) {
    it(`fails a call whose ${mode} response is over the limit with a clear error, and the agent stays usable`, async () => {
      server = await startEverythingHttp(mode);
      const def = definitionFromUrl(server.url, 'remote') as ServerDefinition;
      agent = new McpAgent({ ...def, transport: mode === 'sse' ? 'sse' : 'http', timeoutMs: 10_000 }, { maxMessageBytes: LIMIT });
      await agent.start();
      assert.equal(agent.status.state, 'connected', agent.status.lastError);
      const before = process.memoryUsage().heapUsed;
      await assert.rejects(agent.callTool('echo', { message: 'x'.repeat(LIMIT * 4) }), /larger than the 0\.1 MiB limit/);
      assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024);
      // Small answers still come through (after a reconnect, when the stream was cut).
      for (let i = 0; i < 50 && agent.status.state !== 'connected'; i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(textOf(await agent.callTool('echo', { message: 'small' }, { timeoutMs: 10_000 })), /small/);
    });
  }

  it('does not send custom headers or Authorization to another origin on a redirect', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const other = http.createServer((req, res) => {
      seen.push(req.headers);
      res.end('ok');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/landing`;
    const first = http.createServer((_req, res) => {
      res.writeHead(302, { location: otherUrl });
      res.end();
    });
    await new Promise<void>((r) => first.listen(0, '127.0.0.1', r));
    try {
      const f = guardedFetch(['X-Api-Key'], LIMIT);
      const res = await f(`http://127.0.0.1:${(first.address() as AddressInfo).port}/mcp`, { headers: { 'X-Api-Key': 'k-123456789', Authorization: 'Bearer t-123456789', Accept: 'text/plain' } });
      assert.equal(await res.text(), 'ok');
      assert.equal(seen.length, 1);
      assert.equal(seen[0]['x-api-key'], undefined);
      assert.equal(seen[0].authorization, undefined);
      assert.equal(seen[0].accept, 'text/plain', 'other headers still go');
    } finally {
      first.close();
      other.close();
    }
  });

  it('refuses a burst of elicitation requests past the per-minute limit, without asking the user', async () => {
    let asked = 0;
    agent = new McpAgent(everythingDef('everything'), {
      maxElicitationsPerMinute: 2,
      handlers: { elicitation: () => (asked++, Promise.resolve({ action: 'decline' as const })) },
    });
    await agent.start();
    assert.equal(agent.status.state, 'connected', agent.status.lastError);
    const results: string[] = [];
    for (let i = 0; i < 4; i++) {
      results.push(await agent.callTool('trigger-elicitation-request', {}).then(textOf, (e: Error) => e.message));
    }
    assert.equal(asked, 2, 'the user was asked twice, not four times');
    assert.match(results.slice(2).join('\n'), /too many elicitation requests/);
    // A new connection (the server exited and was restarted) does not start a new minute.
    await agent.restart();
    assert.equal(agent.status.state, 'connected', agent.status.lastError);
    const after = await agent.callTool('trigger-elicitation-request', {}).then(textOf, (e: Error) => e.message);
    assert.equal(asked, 2, 'a reconnect reset the limit');
    assert.match(after, /too many elicitation requests/);
  });
});
