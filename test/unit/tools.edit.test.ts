import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApprovalPolicy } from '../../src/core/agent/approvals';
import type { ToolboxTool } from '../../src/core/agent/toolbox';
import type { ApprovalRequest } from '../../src/core/ports';
import { createEditTools, planFileChange } from '../../src/core/tools/editFile';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';
import { applyEdits, unifiedDiff } from '../../src/core/tools/textEdits';
import type { BuiltinTool, ToolResult } from '../../src/core/tools/types';

const text = (r: ToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('edit tools against real files', () => {
  let root: string;
  let ws: NodeWorkspace;
  let editFile: BuiltinTool;
  let writeFile: BuiltinTool;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'edit-'));
    ws = new NodeWorkspace(root);
    [editFile, writeFile] = createEditTools({ workspace: ws });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');

  it('replaces text that matches exactly once and reports the diff', async () => {
    fs.writeFileSync(path.join(root, 'a.ts'), 'const a = 1;\nconst b = 2;\n');
    const r = await editFile.run({ path: 'a.ts', edits: [{ oldText: 'const b = 2;', newText: 'const b = 3;' }] }, {});
    assert.equal(r.isError, undefined, text(r));
    assert.equal(read('a.ts'), 'const a = 1;\nconst b = 3;\n');
    assert.match(text(r), /Edited a\.ts \(\+1 -1 lines\)/);
    assert.match(text(r), /^-const b = 2;$/m);
    assert.match(text(r), /^\+const b = 3;$/m);
  });

  it('refuses an ambiguous match, naming the lines, and changes nothing', async () => {
    fs.writeFileSync(path.join(root, 'a.ts'), 'x();\ny();\nx();\n');
    const r = await editFile.run({ path: 'a.ts', edits: [{ oldText: 'x();', newText: 'z();' }] }, {});
    assert.equal(r.isError, true);
    assert.match(text(r), /occurs 2 times \(first at lines 1 and 3\)/);
    assert.equal(read('a.ts'), 'x();\ny();\nx();\n');
  });

  it('quotes the closest match when oldText is not found', async () => {
    fs.writeFileSync(path.join(root, 'a.py'), 'def f():\n    return  1\n\ndef g():\n    pass\n');
    const r = await editFile.run({ path: 'a.py', edits: [{ oldText: 'def f():\n    return 1', newText: 'def f():\n    return 2' }] }, {});
    assert.equal(r.isError, true);
    assert.match(text(r), /not found/);
    assert.match(text(r), /closest match \(lines 1-2\) differs only in whitespace:\n1: def f\(\):\n2: {5}return {2}1/);
  });

  it('applies several edits in order, all or none', async () => {
    fs.writeFileSync(path.join(root, 'a.txt'), 'one\ntwo\nthree\n');
    const bad = await editFile.run({ path: 'a.txt', edits: [{ oldText: 'one', newText: 'ONE' }, { oldText: 'four', newText: 'x' }] }, {});
    assert.equal(bad.isError, true);
    assert.match(text(bad), /edits\[1\]: oldText was not found/);
    assert.equal(read('a.txt'), 'one\ntwo\nthree\n');
    const ok = await editFile.run({ path: 'a.txt', edits: [{ oldText: 'one', newText: 'ONE' }, { oldText: 'ONE\ntwo', newText: 'ONE\nTWO' }] }, {});
    assert.equal(ok.isError, undefined, text(ok));
    assert.equal(read('a.txt'), 'ONE\nTWO\nthree\n');
  });

  it('keeps CRLF line endings and the UTF-8 BOM when the model writes LF', async () => {
    fs.writeFileSync(path.join(root, 'w.cs'), Buffer.from('\uFEFFclass A {\r\n  int x = 1;\r\n}\r\n', 'utf8'));
    const r = await editFile.run({ path: 'w.cs', edits: [{ oldText: 'class A {\n  int x = 1;', newText: 'class A {\n  int x = 2;\n  int y = 3;' }] }, {});
    assert.equal(r.isError, undefined, text(r));
    const bytes = fs.readFileSync(path.join(root, 'w.cs'));
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.equal(bytes.toString('utf8').slice(1), 'class A {\r\n  int x = 2;\r\n  int y = 3;\r\n}\r\n');
    const w = await writeFile.run({ path: 'w.cs', content: 'replaced\nall\n' }, {});
    assert.equal(w.isError, undefined, text(w));
    assert.equal(fs.readFileSync(path.join(root, 'w.cs'), 'utf8'), '\uFEFFreplaced\r\nall\r\n');
  });

  it('creates new files with their directories, and keeps an existing file mode', async () => {
    const r = await writeFile.run({ path: 'src/deep/new.txt', content: 'hello\n' }, {});
    assert.match(text(r), /Created src\/deep\/new\.txt/);
    assert.equal(read('src/deep/new.txt'), 'hello\n');
    fs.writeFileSync(path.join(root, 'run.sh'), 'echo 1\n', { mode: 0o755 });
    await editFile.run({ path: 'run.sh', edits: [{ oldText: '1', newText: '2' }] }, {});
    assert.equal(fs.statSync(path.join(root, 'run.sh')).mode & 0o777, 0o755);
    const leftovers = fs.readdirSync(root).filter((f) => f.endsWith('.tmp'));
    assert.deepEqual(leftovers, []);
  });

  it('stays inside the workspace, also through symbolic links', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'edit-out-'));
    try {
      fs.writeFileSync(path.join(outside, 'secret.txt'), 'keep\n');
      fs.symlinkSync(outside, path.join(root, 'link'));
      const viaLink = await writeFile.run({ path: 'link/secret.txt', content: 'gone\n' }, {});
      assert.equal(viaLink.isError, true);
      assert.match(text(viaLink), /outside the workspace/);
      const dotdot = await writeFile.run({ path: '../x.txt', content: 'x' }, {});
      assert.equal(dotdot.isError, true);
      assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'keep\n');
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('shows control characters in the diff as escapes', () => {
    const d = unifiedDiff('a.txt', 'a\n', 'a\n\u001b[2Jhidden\u202e\n');
    assert.match(d, /\\x1b\[2Jhidden\\u202e/);
    assert.ok(!d.includes('\u001b'));
  });

  it('an empty oldText is refused', () => {
    const r = applyEdits('abc', [{ oldText: '', newText: 'x' }]);
    assert.equal(r.ok, false);
  });

  it('asks with the diff; auto-approve never covers protected config files', async () => {
    fs.mkdirSync(path.join(root, '.vscode'));
    fs.writeFileSync(path.join(root, '.vscode', 'mcp.json'), '{}\n');
    fs.writeFileSync(path.join(root, 'a.txt'), 'one\n');
    const asked: ApprovalRequest[] = [];
    const policy = new ApprovalPolicy(
      { request: async (req) => (asked.push(req), 'deny') },
      { autoApproveEdits: true, previewChange: (tool, args) => planFileChange(ws, tool, args) },
    );
    const tool: ToolboxTool = { name: 'edit_file', description: '', parameters: {}, source: 'builtin', tool: 'edit_file' };
    assert.deepEqual(await policy.check(tool, { path: 'a.txt', edits: [{ oldText: 'one', newText: 'two' }] }), { allowed: true, how: 'policy' });
    const cfg = await policy.check(tool, { path: '.vscode/mcp.json', edits: [{ oldText: '{}', newText: '{"servers":{}}' }] });
    assert.equal(cfg.allowed, false);
    assert.equal(asked.length, 1);
    assert.equal(asked[0].kind, 'config-write');
    assert.match(asked[0].change?.diff ?? '', /^\+\{"servers":\{\}\}$/m);

    const strict = new ApprovalPolicy({ request: async (req) => (asked.push(req), 'allow') }, { previewChange: (t, a) => planFileChange(ws, t, a) });
    const ok = await strict.check(tool, { path: 'a.txt', edits: [{ oldText: 'one', newText: 'two' }] });
    assert.equal(ok.allowed, true);
    assert.equal(asked[1].kind, 'edit');
    assert.match(asked[1].change?.diff ?? '', /^-one$\n^\+two$/m);
    const bad = await strict.check(tool, { path: 'a.txt', edits: [{ oldText: 'zzz', newText: 'two' }] });
    assert.equal(bad.allowed, false);
    assert.match(bad.allowed ? '' : bad.toolError ?? '', /a\.txt: the edit: oldText was not found/);
    assert.equal(asked.length, 2, 'an edit that cannot apply is not put to the user');
  });
});
