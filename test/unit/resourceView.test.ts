import assert from 'node:assert/strict';
import { fileNameFor, viewableContents } from '../../src/core/mcp/resourceView';

describe('resource contents as files to look at', () => {
  const cases: Array<[uri: string, mime: string | undefined, expected: string]> = [
    ['demo://resource/static/document/architecture.md', 'text/markdown', 'architecture.md'],
    ['demo://resource/dynamic/text/5', 'text/plain', '5.txt'],
    ['demo://resource/dynamic/blob/5', 'application/octet-stream', '5.bin'],
    ['fixture://images/logo', 'image/png', 'logo.png'],
    ['file:///tmp/photo.jpeg', 'image/jpeg', 'photo.jpeg'],
    ['file:///tmp/logo.dat', 'image/png', 'logo.dat.png'],
    ['file:///tmp/data.json', undefined, 'data.json'],
    ['https://example.com/a%20b/report%20(final).pdf', 'application/pdf', 'report_final_.pdf'],
    ['note://../../etc/passwd', 'text/plain', 'passwd.txt'],
    ['weird:///.hidden', 'text/plain', 'hidden.txt'],
    ['x:/', 'image/svg+xml', 'resource-'],
    ['audio://clip', 'audio/x-flac', 'clip.xflac'],
  ];
  for (const [uri, mime, expected] of cases) {
    it(`${uri} (${mime ?? 'no type'}) -> ${expected}`, () => {
      const name = fileNameFor(uri, mime, mime?.startsWith('text/') ? 'txt' : 'bin');
      if (expected.endsWith('-')) assert.match(name, /^resource-[0-9a-f]{8}\.svg$/);
      else assert.equal(name, expected);
      assert.doesNotMatch(name, /[/\\]|^\./, 'never a path, never hidden');
    });
  }

  it('decodes blobs to bytes and keeps text as text', () => {
    const views = viewableContents([
      { uri: 'fixture://images/logo', mimeType: 'image/png', blob: Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64') },
      { uri: 'fixture://notes/todo.md', mimeType: 'text/markdown', text: '# To do' },
    ]);
    assert.equal(views.length, 2);
    assert.equal(views[0].kind, 'binary');
    assert.deepEqual(views[0].kind === 'binary' ? [...views[0].bytes] : [], [0x89, 0x50, 0x4e, 0x47]);
    assert.deepEqual(views[1], { kind: 'text', uri: 'fixture://notes/todo.md', mimeType: 'text/markdown', fileName: 'todo.md', text: '# To do' });
  });
});
