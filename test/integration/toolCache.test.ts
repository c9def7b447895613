import * as assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Toolbox } from '../../src/core/agent/toolbox';
import { Cache } from '../../src/core/cache';
import { AgentManager } from '../../src/core/mcp/AgentManager';
import { createBuiltinTools } from '../../src/core/tools/builtins';
import { NodeCommandRunner } from '../../src/core/tools/nodeCommandRunner';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';
import { faultDef, textOf, waitFor } from '../helpers/servers';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';

describe('what the agent caches', function () {
  this.timeout(30_000);
  let dir: string;
  let manager: AgentManager;
  before(async () => {
    manager = new AgentManager();
    await manager.apply([faultDef('fault')]);
  });
  after(() => manager.dispose());
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-cache-'));
  });

  function toolbox(cache: Cache) {
    const workspace = new NodeWorkspace(dir);
    return new Toolbox({ builtins: createBuiltinTools({ workspace, commandRunner: new NodeCommandRunner(), cache }), manager, cache });
  }

  it('caches analyze_code by file content: same content hits, changed content is analyzed again, across processes via files', async () => {
    const cacheDir = path.join(dir, '.cache');
    const tb = toolbox(new Cache({ dir: cacheDir }));
    const analyze = tb.find('analyze_code')!;
    await writeFile(path.join(dir, 'a.py'), 'def f():\n    return 1\n');
    const first = textOf(await tb.call(analyze, { path: 'a.py' }));
    const cache2 = new Cache({ dir: cacheDir });
    const tb2 = toolbox(cache2);
    const second = textOf(await tb2.call(analyze, { path: 'a.py' }));
    assert.equal(second, first);
    assert.equal(cache2.stats().backendHits, 1, 'served from the file tier');
    await writeFile(path.join(dir, 'a.py'), 'def g():\n    return 2\n');
    const third = textOf(await tb2.call(analyze, { path: 'a.py' }));
    assert.match(third, /"g"/);
    assert.doesNotMatch(third, /"f"/);
  });

  it('caches MCP results only for tools annotated read-only and idempotent', async () => {
    const tb = toolbox(new Cache({ backend: false }));
    const counter = tb.find('fault__counter')!;
    assert.equal(textOf(await tb.call(counter, { key: 'k' })), 'k 1');
    assert.equal(textOf(await tb.call(counter, { key: 'k' })), 'k 1', 'cached');
    assert.equal(textOf(await tb.call(counter, { key: 'other' })), 'other 2', 'other arguments are another entry');
    const big = tb.find('fault__big')!;
    const a = await tb.call(big, { bytes: 3 });
    const b = await tb.call(big, { bytes: 3 });
    assert.deepEqual(a, b);
    const pid = tb.find('fault__pid')!;
    assert.equal(pid.annotations?.idempotentHint, undefined);
  });

  it('writes a result to the file tier only when the call was slow enough to be worth it; fast ones stay in memory', async () => {
    const cacheDir = path.join(dir, '.cache-persist');
    const tb = new Toolbox({ manager, cache: new Cache({ dir: cacheDir }), persistMinMs: 40 });
    const counter = tb.find('fault__counter')!;
    const fast = textOf(await tb.call(counter, { key: 'fast' }));
    const slow = textOf(await tb.call(counter, { key: 'slow', delayMs: 100 }));
    assert.equal(textOf(await tb.call(counter, { key: 'fast' })), fast, 'both are cached in memory');
    // Once the write-behind has landed: one entry file, the slow result's.
    const entryFiles = () => (existsSync(path.join(cacheDir, 'v1')) ? readdirSync(path.join(cacheDir, 'v1'), { recursive: true }).filter((f) => String(f).endsWith('.json')) : []);
    await waitFor(() => entryFiles().length > 0, 5_000);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(entryFiles().length, 1);
    // After a restart (a fresh Cache on the same directory):
    const later = new Toolbox({ manager, cache: new Cache({ dir: cacheDir }), persistMinMs: 40 });
    assert.equal(textOf(await later.call(counter, { key: 'slow', delayMs: 100 })), slow, 'the slow result came from the file tier');
    assert.notEqual(textOf(await later.call(counter, { key: 'fast' })), fast, 'the fast one was computed again');
  });
});

describe('tool lists cached for fast start', function () {
  this.timeout(30_000);

  it('offers a server\'s tools from the cache while it starts; calls wait for the connection', async () => {
    const cache = new Cache({ backend: false });
    const toolListCache = { get: (k: string) => cache.get<Tool[]>(k), set: (k: string, v: Tool[]) => cache.set(k, v) };
    const first = new AgentManager({ toolListCache });
    await first.apply([faultDef('slow', ['--startup-delay', '1500'])]);
    const expected = first.tools().map((t) => t.name);
    await first.dispose();

    const second = new AgentManager({ toolListCache });
    try {
      const applying = second.apply([faultDef('slow', ['--startup-delay', '1500'])]);
      await waitFor(() => second.tools().length > 0, 1000);
      assert.equal(second.servers()[0].state, 'starting', 'tools known before the server is up');
      assert.deepEqual(
        second.tools().map((t) => t.name),
        expected,
      );
      // A call made now waits for the connection instead of failing.
      assert.equal(textOf(await second.callTool('slow__add', { a: 2, b: 2 })), '4');
      await applying;
    } finally {
      await second.dispose();
    }
  });

  it('offers every server\'s cached tools before it starts any server process', async () => {
    const cache = new Cache({ backend: false });
    const toolListCache = { get: (k: string) => cache.get<Tool[]>(k), set: (k: string, v: Tool[]) => cache.set(k, v) };
    const defs = ['a', 'b', 'c', 'd'].map((n) => faultDef(n));
    const first = new AgentManager({ toolListCache });
    await first.apply(defs);
    const expected = first.tools().map((t) => t.name).sort();
    await first.dispose();

    const second = new AgentManager({ toolListCache });
    let statesWhenAllOffered: string[] | undefined;
    second.on('toolsChanged', () => {
      if (statesWhenAllOffered === undefined && second.tools().length === expected.length) {
        statesWhenAllOffered = second.servers().map((s) => s.state);
      }
    });
    try {
      await second.apply(defs);
      assert.deepEqual(second.tools().map((t) => t.name).sort(), expected);
      assert.deepEqual(statesWhenAllOffered, ['idle', 'idle', 'idle', 'idle'], 'no process was started before every cached list was offered');
      assert.deepEqual(second.servers().map((s) => s.state), ['connected', 'connected', 'connected', 'connected']);
    } finally {
      await second.dispose();
    }
  });
});
