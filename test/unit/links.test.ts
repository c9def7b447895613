import assert from 'node:assert/strict';
import { openableUrl } from '../../src/shared/links';

describe('links from model output: only plain http(s) URLs open', () => {
  const open: Array<[string, string]> = [
    ['https://example.com/docs?a=1&b=2', 'https://example.com/docs?a=1&b=2'],
    ['http://localhost:3000/', 'http://localhost:3000/'],
    ['HTTPS://Example.COM/Path', 'https://example.com/Path'],
    ['  https://example.org/trimmed  ', 'https://example.org/trimmed'],
    ['https://例え.jp/', 'https://xn--r8jz45g.jp/'],
  ];
  for (const [href, expected] of open) {
    it(`opens ${JSON.stringify(href)}`, () => assert.equal(openableUrl(href)?.href, expected));
  }

  const refused = [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'java\nscript:alert(1)',
    'https://exa\tmple.com/',
    'https://example.com/\u0000',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%20-rf%20~%22%7D',
    'vscode://vscode.git/clone?url=https://evil.example/repo',
    'vscode-insiders://settings',
    'mailto:someone@example.com',
    'ftp://example.com/file',
    'blob:https://example.com/uuid',
    '//example.com/protocol-relative',
    '/relative/path',
    '#fragment',
    'https://trusted.com@evil.example/',
    'https://user:pass@example.com/',
    'https://',
    '',
    'not a url',
  ];
  for (const href of refused) {
    it(`refuses ${JSON.stringify(href)}`, () => assert.equal(openableUrl(href), undefined));
  }
});
