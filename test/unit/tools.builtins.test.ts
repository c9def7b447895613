import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createBuiltinTools } from '../../src/core/tools/builtins';
import { NodeCommandRunner } from '../../src/core/tools/nodeCommandRunner';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';

describe('createBuiltinTools', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'builtins-'));
    fs.writeFileSync(path.join(root, 'main.go'), 'package main\n\nfunc main() {\n\tif true {\n\t}\n}\n');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const tools = () => createBuiltinTools({ workspace: new NodeWorkspace(root), commandRunner: new NodeCommandRunner(), commandTimeoutMs: 7000 });

  it('returns the six tools with MCP specs a model can use', () => {
    const list = tools();
    assert.deepEqual(
      list.map((t) => t.spec.name),
      ['analyze_code', 'search', 'run_command', 'system_info', 'edit_file', 'write_file'],
    );
    for (const t of list) {
      assert.equal(t.spec.inputSchema.type, 'object');
      assert.ok((t.spec.description ?? '').length > 80, `${t.spec.name} needs a real description`);
      assert.equal(typeof t.spec.annotations?.readOnlyHint, 'boolean');
      // Every required argument is declared.
      for (const r of t.spec.inputSchema.required ?? []) assert.ok(r in (t.spec.inputSchema.properties ?? {}), `${t.spec.name}.${r}`);
    }
    assert.deepEqual(
      list.filter((t) => t.spec.annotations?.readOnlyHint).map((t) => t.spec.name),
      ['analyze_code', 'search', 'system_info'],
    );
    assert.match(list[2].spec.description ?? '', /after 7 s/);
  });

  it('wires each tool to the workspace root', async () => {
    const [analyze, search, run] = tools();
    const analysis = (await analyze.run({ path: 'main.go' }, {})).structuredContent as { symbols: { name: string; complexity: number }[] };
    assert.deepEqual(analysis.symbols, [{ name: 'main', kind: 'function', startLine: 3, endLine: 6, complexity: 2 }]);
    assert.equal(((await search.run({ query: 'func main', maxResults: 1 }, {})).content[0] as { text: string }).text, 'main.go:3:func main() {');
    if (process.platform !== 'win32') {
      const out = ((await run.run({ command: 'ls' }, {})).content[0] as { text: string }).text;
      assert.equal(out, 'Exit code: 0\nOutput:\nmain.go');
    }
  });
});

describe('NodeWorkspace', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodews-'));
    fs.mkdirSync(path.join(root, 'd'));
    fs.writeFileSync(path.join(root, 'd', 'f.txt'), 'héllo\n');
    fs.writeFileSync(path.join(root, 'big.txt'), 'x'.repeat(2048));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads files relative to the root, or absolute inside it', async () => {
    const ws = new NodeWorkspace(root);
    assert.equal(ws.root, path.resolve(root));
    assert.equal(await ws.readFile('d/f.txt'), 'héllo\n');
    assert.equal(await ws.readFile(path.join(root, 'd', 'f.txt')), 'héllo\n');
  });

  it('refuses paths outside the root, directories, and files over the size limit', async () => {
    const ws = new NodeWorkspace(root, { maxFileBytes: 1024 });
    await assert.rejects(ws.readFile('../x'), /outside the workspace root/);
    await assert.rejects(ws.readFile('/etc/hostname'), /outside the workspace root/);
    await assert.rejects(ws.readFile('d'), /not a file/);
    await assert.rejects(ws.readFile('big.txt'), /big\.txt is 2048 bytes, over the 1024-byte limit/);
    await assert.rejects(ws.readFile('missing.txt'), /ENOENT/);
  });
});
