import * as assert from 'node:assert/strict';
import { chatHtml } from '../../src/shared/chatHtml';

const base = { cspSource: "'self' https://*.vscode-cdn.net", nonce: 'abc123', scriptUri: 'https://x/chat.js', styleUri: 'https://x/chat.css', codiconsUri: 'https://x/codicon.css', lang: 'zh-cn' };

describe('chatHtml: translated labels in the page', () => {
  it('embeds the strings as one inert JSON data block that no label text can close', () => {
    const strings = { send: '发送', newChat: '</script><script>alert(1)</script>' };
    const html = chatHtml({ ...base, strings });
    const blocks = [...html.matchAll(/<script type="application\/json" id="mcp-agent-strings">([\s\S]*?)<\/script>/g)];
    assert.equal(blocks.length, 1);
    assert.deepEqual(JSON.parse(blocks[0][1]), strings);
    // Only our two script elements: the data block and the nonce'd bundle.
    assert.equal(html.match(/<script/g)?.length, 2);
  });

  it('leaves the block out in English', () => {
    assert.doesNotMatch(chatHtml(base), /mcp-agent-strings/);
    assert.doesNotMatch(chatHtml({ ...base, strings: {} }), /mcp-agent-strings/);
  });
});
