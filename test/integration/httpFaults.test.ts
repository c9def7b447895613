import * as assert from 'node:assert/strict';
import { McpServerError } from '../../src/core/mcp/errors';
import { AgentManager } from '../../src/core/mcp/AgentManager';
import { everythingDef, startHttpFixture, textOf } from '../helpers/servers';

describe('HTTP MCP servers: session expiry and drops', function () {
  this.timeout(60_000);

  function httpDef(url: string) {
    return { ...everythingDef('remote'), transport: 'http' as const, command: undefined, args: [], url, timeoutMs: 5000 };
  }

  it('re-initializes an expired session; repeats only read-only calls', async () => {
    const srv = await startHttpFixture();
    const manager = new AgentManager();
    try {
      await manager.apply([httpDef(srv.url)]);
      assert.equal(manager.servers()[0].state, 'connected');
      await manager.callTool('remote__forget_sessions', {});
      await new Promise((r) => setTimeout(r, 100));
      // Read-only: the session is re-initialized and the call repeated, invisibly.
      assert.match(textOf(await manager.callTool('remote__echo', { message: 'again' })), /again/);
      await manager.callTool('remote__forget_sessions', {});
      await new Promise((r) => setTimeout(r, 100));
      // Not read-only: re-initialized, but not repeated; the error says so.
      await assert.rejects(manager.callTool('remote__bump', {}), (err: unknown) => err instanceof McpServerError && err.kind === 'session-expired' && /not repeated/.test(err.message));
      assert.equal(textOf(await manager.callTool('remote__bump', {})), 'bump 1', 'the failed call never ran; the next one does');
    } finally {
      await manager.dispose();
      await srv.stop();
    }
  });

  it('survives the server going away and coming back on the same port', async () => {
    let srv = await startHttpFixture();
    const port = srv.port;
    const manager = new AgentManager();
    try {
      await manager.apply([httpDef(srv.url)]);
      await srv.stop();
      await assert.rejects(manager.callTool('remote__echo', { message: 'x' }), (err: unknown) => err instanceof McpServerError && err.server === 'remote');
      srv = await startHttpFixture(port);
      // The new process knows nothing of our session: 404, re-initialize, repeat the read-only call.
      assert.match(textOf(await manager.callTool('remote__echo', { message: 'back' })), /back/);
    } finally {
      await manager.dispose();
      await srv.stop();
    }
  });
});
