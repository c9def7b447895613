import * as assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentManager } from '../../src/core/mcp/AgentManager';
import { ROOT, stdioDef, textOf } from '../helpers/servers';

const MEMORY = require.resolve('@modelcontextprotocol/server-memory/dist/index.js', { paths: [ROOT] });
const FILESYSTEM = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js', { paths: [ROOT] });

describe('reference servers from npm: memory and filesystem', function () {
  this.timeout(60_000);

  it('runs both at once and routes calls to each', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-fs-'));
    await writeFile(path.join(dir, 'notes.txt'), 'hello from the filesystem server\n');
    const manager = new AgentManager();
    try {
      await manager.apply([
        stdioDef('memory', [MEMORY], { env: { MEMORY_FILE_PATH: path.join(dir, 'memory.jsonl') } }),
        stdioDef('fs', [FILESYSTEM, dir]),
      ]);
      for (const s of manager.servers()) assert.equal(s.state, 'connected', `${s.name}: ${s.lastError}`);
      await manager.callTool('memory__create_entities', { entities: [{ name: 'MCP Agent', entityType: 'project', observations: ['speaks MCP'] }] });
      assert.match(textOf(await manager.callTool('memory__read_graph', {})), /speaks MCP/);
      assert.match(textOf(await manager.callTool('fs__read_text_file', { path: path.join(dir, 'notes.txt') })), /hello from the filesystem server/);
      // The filesystem server's own access control still applies through us.
      const outside = await manager.callTool('fs__read_text_file', { path: '/etc/hostname' }).catch((e: Error) => ({ content: [{ type: 'text', text: e.message }], isError: true }));
      assert.equal(outside.isError, true);
      // Its read-only tools say so, which the approval policy relies on.
      assert.equal(manager.resolveTool('fs__read_text_file')?.spec.annotations?.readOnlyHint, true);
    } finally {
      await manager.dispose();
    }
  });
});
