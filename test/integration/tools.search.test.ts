import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';
import { createSearchTool, findRipgrepOnPath, searchWorkspace, type SearchOptions } from '../../src/core/tools/search';
import { expandBraces } from '../../src/core/tools/search/globFilter';

function write(root: string, rel: string, content: string | Buffer): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** A small tree with every kind of file the search must include or skip. */
function makeTree(root: string): void {
  write(root, '.gitignore', 'dist/\n*.log\nsecret.ts\n');
  write(root, 'src/a.ts', 'const x = 1;\n  // the needle is here  \nexport {};\n');
  write(root, 'src/b.py', 'needle = True\r\n');
  write(root, 'src/deep/c.ts', 'a\nb\nNeedle and needle\n');
  write(root, 'src/deep/.gitignore', 'generated.ts\n!keep.log\n'); // nested rules: one more ignore, one re-include
  write(root, 'src/deep/generated.ts', 'needle\n');
  write(root, 'src/deep/keep.log', 'needle kept\n');
  write(root, 'dist/out.ts', 'needle\n');
  write(root, 'node_modules/pkg/index.js', 'needle\n');
  write(root, '.git/config', 'needle\n');
  write(root, '.github/workflow.yml', 'run: needle\n');
  write(root, 'secret.ts', 'needle\n');
  write(root, 'app.log', 'needle\n');
  write(root, 'bin.dat', Buffer.concat([Buffer.from('needle\n'), Buffer.from([0, 1, 2, 3])]));
  write(root, 'long.txt', 'a'.repeat(3000) + 'needle' + 'b'.repeat(2000) + '\n');
  write(root, 'many.txt', Array.from({ length: 150 }, (_, i) => `row ${i} token`).join('\n') + '\n');
  write(root, 'spam.txt', 'spam\n'.repeat(10_050));
}

const VISIBLE_NEEDLE_FILES = ['.github/workflow.yml', 'long.txt', 'src/a.ts', 'src/b.py', 'src/deep/c.ts', 'src/deep/keep.log'];

const files = (r: { matches: { path: string }[] }): string[] => [...new Set(r.matches.map((m) => m.path))].sort();

interface Engine {
  name: string;
  options: () => Partial<SearchOptions>;
}

let rgPath: string | undefined;

const engines: Engine[] = [
  { name: 'Node fallback', options: () => ({ engine: 'node' }) },
  { name: 'ripgrep', options: () => ({ rgPath }) },
];

for (const engine of engines) {
  describe(`search (${engine.name})`, function () {
    let root: string;
    const search = (o: Omit<SearchOptions, 'root'>) => searchWorkspace({ root, ...engine.options(), ...o });

    before(async function () {
      rgPath = await findRipgrepOnPath();
      if (engine.name === 'ripgrep' && !rgPath) {
        console.log('    rg is missing (not on PATH): ripgrep search tests skipped; the Node fallback is tested in full.');
        this.skip();
      }
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'search-'));
      makeTree(root);
    });
    after(() => root && fs.rmSync(root, { recursive: true, force: true }));

    it('uses the engine asked for', async () => {
      const r = await search({ query: 'needle' });
      assert.equal(r.engine, engine.name === 'ripgrep' ? 'ripgrep' : 'node');
    });

    it('honours .gitignore (nested, with re-includes) and skips .git, node_modules and binary files', async () => {
      const r = await search({ query: 'needle' });
      assert.deepEqual(files(r), VISIBLE_NEEDLE_FILES);
      assert.equal(r.total, 6); // one line per file: c.ts has two hits on one line
      assert.equal(r.totalIsLowerBound, false);
    });

    it('lists matches as trimmed lines with 1-based line numbers, in path order', async () => {
      const r = await search({ query: 'needle', glob: 'src/**' });
      assert.deepEqual(
        r.matches.map((m) => `${m.path}:${m.line}:${m.text}`),
        ['src/a.ts:2:// the needle is here', 'src/b.py:1:needle = True', 'src/deep/c.ts:3:Needle and needle', 'src/deep/keep.log:1:needle kept'],
      );
    });

    it('cuts a long line to a window around the match', async () => {
      const r = await search({ query: 'needle', glob: 'long.txt' });
      const text = r.matches[0].text;
      assert.ok(text.startsWith('…a') && text.endsWith('b…'), text.slice(0, 20));
      assert.ok(text.includes('needle'));
      assert.ok(text.length <= 202, String(text.length));
    });

    it('treats the query literally unless regex is set, and can ignore case', async () => {
      assert.equal((await search({ query: 'ne+dle' })).total, 0);
      assert.deepEqual(files(await search({ query: 'ne+dle', regex: true })), VISIBLE_NEEDLE_FILES);
      assert.equal((await search({ query: 'row 1.9' })).total, 0);
      assert.equal((await search({ query: 'row 1.9 ', regex: true })).total, 5); // rows 109, 119, 129, 139, 149
      const caseless = await search({ query: 'NEEDLE AND', ignoreCase: true });
      assert.deepEqual(
        caseless.matches.map((m) => m.path),
        ['src/deep/c.ts'],
      );
      await assert.rejects(search({ query: '(', regex: true }), /Invalid regular expression/);
    });

    it('filters by glob without letting a glob re-include ignored files', async () => {
      assert.deepEqual(files(await search({ query: 'needle', glob: '*.ts' })), ['src/a.ts', 'src/deep/c.ts']);
      assert.deepEqual(files(await search({ query: 'needle', glob: '*.{ts,py}' })), ['src/a.ts', 'src/b.py', 'src/deep/c.ts']);
      assert.deepEqual(files(await search({ query: 'needle', glob: '!*.txt' })), VISIBLE_NEEDLE_FILES.filter((f) => f !== 'long.txt'));
      // Naming node_modules asks for it.
      assert.deepEqual(files(await search({ query: 'needle', glob: 'node_modules/**' })), ['node_modules/pkg/index.js']);
    });

    it('caps the matches shown and counts the rest', async () => {
      const r = await search({ query: 'token', maxResults: 100 });
      assert.equal(r.matches.length, 100);
      assert.equal(r.total, 150);
      assert.equal(r.matches[99].text, 'row 99 token');
    });

    it('stops counting at 10,000 and says the total is a lower bound', async () => {
      const r = await search({ query: 'spam' });
      assert.equal(r.matches.length, 100);
      assert.equal(r.total, 10_000);
      assert.equal(r.totalIsLowerBound, true);
    });

    it('formats the tool result as path:line:text with an "N more not shown" line', async () => {
      const tool = createSearchTool({ workspace: new NodeWorkspace(root), ...engine.options() });
      const result = await tool.run({ query: 'token' }, {});
      const text = (result.content[0] as { text: string }).text;
      const lines = text.split('\n');
      assert.equal(lines[0], 'many.txt:1:row 0 token');
      assert.equal(lines.filter((l) => /^many\.txt:\d+:/.test(l)).length, 100);
      assert.equal(lines[lines.length - 1], '50 more matches not shown; narrow the query or add a glob.');
      const spam = (await tool.run({ query: 'spam', maxResults: 2 }, {})).content[0] as { text: string };
      assert.match(spam.text, /At least 9998 more matches not shown/);
      const none = (await tool.run({ query: 'absent-string', glob: '*.md' }, {})).content[0] as { text: string };
      assert.equal(none.text, 'No matches for "absent-string" in files matching *.md.');
      const bad = await tool.run({ query: '' }, {});
      assert.equal(bad.isError, true);
    });

    it('can be cancelled with an AbortSignal, mid-walk', async function () {
      this.timeout(60_000);
      const big = fs.mkdtempSync(path.join(os.tmpdir(), 'search-big-'));
      try {
        for (let d = 0; d < 40; d++) {
          fs.mkdirSync(path.join(big, `d${d}`));
          for (let f = 0; f < 50; f++) fs.writeFileSync(path.join(big, `d${d}`, `f${f}.txt`), `line ${d} ${f} nothing here\n`);
        }
        const started = Date.now();
        const full = await searchWorkspace({ root: big, query: 'needle', ...engine.options() });
        const fullMs = Date.now() - started;
        assert.equal(full.total, 0);
        const ac = new AbortController();
        setTimeout(() => ac.abort(), Math.min(20, fullMs / 4));
        const t0 = Date.now();
        await assert.rejects(searchWorkspace({ root: big, query: 'needle', signal: ac.signal, ...engine.options() }), (err: Error) => err.name === 'AbortError');
        assert.ok(Date.now() - t0 < fullMs, `aborted after ${Date.now() - t0} ms; a full search takes ${fullMs} ms`);
      } finally {
        fs.rmSync(big, { recursive: true, force: true });
      }
    });
  });
}

describe('search tool spec and helpers', () => {
  it('is read-only and takes query, glob and maxResults', () => {
    const tool = createSearchTool({ workspace: new NodeWorkspace(os.tmpdir()) });
    assert.equal(tool.spec.name, 'search');
    assert.equal(tool.spec.annotations?.readOnlyHint, true);
    assert.deepEqual(tool.spec.inputSchema.required, ['query']);
    assert.deepEqual(Object.keys(tool.spec.inputSchema.properties ?? {}), ['query', 'glob', 'maxResults', 'regex', 'ignoreCase']);
  });

  it('expands braces, nested ones too', () => {
    assert.deepEqual(expandBraces('*.{ts,tsx}'), ['*.ts', '*.tsx']);
    assert.deepEqual(expandBraces('{src,lib}/**/*.{c,h}'), ['src/**/*.c', 'src/**/*.h', 'lib/**/*.c', 'lib/**/*.h']);
    assert.deepEqual(expandBraces('a{b,c{d,e}}'), ['ab', 'acd', 'ace']);
    assert.deepEqual(expandBraces('plain'), ['plain']);
  });

  it('falls back to the Node search when the given rg cannot be started', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'search-norg-'));
    try {
      write(root, 'x.txt', 'needle\n');
      const r = await searchWorkspace({ root, query: 'needle', rgPath: path.join(root, 'no-such-rg') });
      assert.equal(r.engine, 'node');
      assert.equal(r.total, 1);
      assert.match(r.notes[0], /ripgrep could not be started/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
