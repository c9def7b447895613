/**
 * Untrusted text on a real terminal (a pty through util-linux `script`): model text, tool results, server errors
 * and the command in an approval prompt reach the screen with their control, bidi and zero-width characters
 * shown as escapes, never as the bytes a terminal would act on (retitle, clear, move the cursor, reorder text).
 */
import * as assert from 'node:assert/strict';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../fixtures/scriptedOpenAI';
import { agentEnv, makeWorkspace, type TestWorkspace } from '../helpers/api';
import { hasScript, onTerminal } from '../helpers/pty';

// What a hostile model or server would send: an OSC retitle, a clear screen, a CR that rewrites the line, a C1
// CSI, a right-to-left override, a zero-width space, an isolate.
const HOSTILE = ['\u001b]0;pwned\u0007', '\u001b[2J', '\r', '\u009b31m', '\u202e', '\u200b', '\u2066'];
const SHOWN = ['\\x1b]0;pwned\\x07', '\\x1b[2J', '\\x0d', '\\x9b31m', '\\u202e', '\\u200b', '\\u2066'];

function assertNoHostileBytes(raw: string): void {
  // The pty itself turns "\n" into "\r\n"; any other CR came from the text.
  const withoutNewlines = raw.replace(/\r\n/g, '\n');
  for (const h of HOSTILE) {
    if (h === '\r') {
      // readline redraws its prompt with a CR followed by a cursor escape; a CR followed by text is the attack.
      assert.doesNotMatch(withoutNewlines, /\r(?!\u001b\[|\n)/, 'a raw CR reached the terminal'); // eslint-disable-line no-control-regex
    } else assert.ok(!withoutNewlines.includes(h), `${JSON.stringify(h)} reached the terminal raw`);
  }
}

describe('untrusted text on a terminal is shown with its control characters visible (pty)', function () {
  this.timeout(90_000);
  let srv: ScriptedOpenAI;
  let ws: TestWorkspace;

  before(async function () {
    if (!hasScript()) this.skip();
    srv = await startScriptedOpenAI();
    ws = await makeWorkspace();
  });
  after(async () => srv?.close());
  beforeEach(() => srv?.reset());

  it('chat: the model text and the command in the approval prompt', async () => {
    const command = `echo safe\r${HOSTILE.join('')}rm -rf ~`;
    srv.enqueue({ toolCalls: [{ name: 'run_command', arguments: { command } }] }, { text: `Done.${HOSTILE.join('x')}end\n` });
    const r = await onTerminal(['chat', 'go'], ['n'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
    assert.equal(r.code, 0, r.output);
    assertNoHostileBytes(r.raw);
    assert.match(r.output, /Run this command in \S+\?/);
    // The prompt shows the whole command, its hidden parts as escapes, on one line.
    const promptLine = r.output.split('\n').find((l) => l.includes('$ echo safe'));
    assert.ok(promptLine, r.output);
    for (const s of SHOWN) assert.ok(promptLine.includes(s), `${s} in ${promptLine}`);
    assert.ok(promptLine.includes('rm -rf ~'), promptLine);
    for (const s of SHOWN) assert.ok(r.output.includes(s), `${s} shown in the model's text`);
    assert.equal(srv.chatRequests.length, 2);
  });

  it('call: a tool result', async () => {
    const r = await onTerminal(['call', 'fault__echo', '--args', JSON.stringify({ message: HOSTILE.join('|') }), '--yes'], [], { cwd: ws.dir, env: agentEnv(ws, undefined) });
    assert.equal(r.code, 0, r.output);
    assertNoHostileBytes(r.raw);
    assert.ok(r.output.includes(`Echo: ${SHOWN.join('|')}`), r.output);
  });

  it('a server error quoted in a message', async () => {
    const r = await onTerminal(['call', 'fault__nope\u001b[2J\u202e'], [], { cwd: ws.dir, env: agentEnv(ws, undefined) });
    assert.notEqual(r.code, 0);
    assertNoHostileBytes(r.raw);
    assert.match(r.output, /no tool named "fault__nope\\x1b\[2J\\u202e"/);
  });
});
