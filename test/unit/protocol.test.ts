import assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../src/shared/protocol';

describe('messages from the webview: what does not fit the protocol is dropped', () => {
  const valid: unknown[] = [
    { type: 'ready' },
    { type: 'send', text: 'hi' },
    { type: 'send', text: 'hi', attachments: [{ server: 'everything', uri: 'demo://x', name: 'x' }] },
    { type: 'approve', approvalId: 'a1', decision: 'allow' },
    { type: 'openLink', href: 'https://example.com' },
    { type: 'server', name: 'guarded', op: 'trust' },
    { type: 'unwatch', server: 'everything', uri: 'demo://x' },
    { type: 'serverRequestReply', requestId: 'r1', action: 'accept', values: { name: 'Ada', n: 3, ok: true, fish: ['a'] } },
  ];
  for (const m of valid) {
    it(`takes ${JSON.stringify(m)}`, () => assert.deepEqual(parseWebviewMessage(m), m));
  }

  const invalid: unknown[] = [
    null,
    'ready',
    42,
    [],
    {},
    { type: 'runCommand', command: 'rm -rf ~' },
    { type: 'send' },
    { type: 'send', text: '' },
    { type: 'send', text: 'x'.repeat(200_001) },
    { type: 'send', text: 'hi', attachments: Array.from({ length: 21 }, (_, i) => ({ server: 's', uri: `u${i}`, name: 'n' })) },
    { type: 'approve', approvalId: 'a1', decision: 'always-and-forever' },
    { type: 'approve', approvalId: '', decision: 'allow' },
    { type: 'server', name: 'x', op: 'delete' },
    { type: 'action', action: 'runArbitrary' },
    { type: 'openLink', href: 5 },
    { type: 'copy', text: 'x'.repeat(5_000_001) },
    { type: 'serverRequestReply', requestId: 'r1', action: 'accept', values: { o: { nested: true } } },
    { type: 'unwatch', server: 'everything' },
  ];
  for (const m of invalid) {
    it(`drops ${JSON.stringify(m)?.slice(0, 80)}`, () => assert.equal(parseWebviewMessage(m), undefined));
  }
});
