import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_STRINGS } from '../../src/shared/strings';

const ROOT = path.resolve(__dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every string the extension passes to vscode.l10n.t, as written in the source. */
function l10nStrings(): Set<string> {
  const out = new Set<string>();
  for (const file of [...sources(path.join(ROOT, 'src/vscode')), path.join(ROOT, 'src/extension.ts')]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/vscode\.l10n\.t\(\s*'((?:[^'\\]|\\.)*)'/g)) out.add(m[1].replace(/\\'/g, "'"));
  }
  return out;
}

describe('translations', () => {
  it('has a Simplified Chinese string for every vscode.l10n.t call', () => {
    const zh = JSON.parse(readFileSync(path.join(ROOT, 'l10n/bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
    const missing = [...l10nStrings()].filter((s) => !(s in zh));
    assert.deepEqual(missing, []);
  });

  it('has a Simplified Chinese string, with the same placeholders, for every webview label', () => {
    const zh = JSON.parse(readFileSync(path.join(ROOT, 'l10n/bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
    const placeholders = (s: string): string[] => [...new Set(s.match(/\{\d+\}/g) ?? [])].sort();
    const missing = Object.values(DEFAULT_STRINGS).filter((s) => typeof zh[s] !== 'string' || !zh[s]);
    assert.deepEqual(missing, []);
    const mismatched = Object.values(DEFAULT_STRINGS).filter((s) => placeholders(zh[s]).join() !== placeholders(s).join());
    assert.deepEqual(mismatched, []);
  });

  it('translates every manifest string (package.nls.json) into zh-cn, and the manifest uses only defined keys', () => {
    const en = JSON.parse(readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const zh = JSON.parse(readFileSync(path.join(ROOT, 'package.nls.zh-cn.json'), 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
    const manifest = readFileSync(path.join(ROOT, 'package.json'), 'utf8');
    const used = [...manifest.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]);
    assert.deepEqual(
      used.filter((k) => !(k in en)),
      [],
    );
  });
});
