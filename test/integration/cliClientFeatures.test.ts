/**
 * The CLI as an MCP client beyond tools, end to end: the built CLI as a child process, server-everything and the
 * ask-server fixture over stdio, the scripted OpenAI-compatible server for sampling and chat. Non-TTY runs
 * decline or (with --yes) accept with defaults; a terminal session runs under `script` (a real pseudo-terminal).
 */
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../fixtures/scriptedOpenAI';
import { agentEnv, makeWorkspace, parseJson, request, startServe, type TestWorkspace } from '../helpers/api';
import { assertNoStack, runCli } from '../helpers/cli';
import { hasScript, onTerminal as ptyTerminal } from '../helpers/pty';
import { EVERYTHING, ROOT } from '../helpers/servers';

const ASK_SERVER = path.join(ROOT, 'test/fixtures/servers/ask-server.mjs');

describe('mcp-agent CLI: sampling, elicitation, roots, resources, prompts, logging', function () {
  this.timeout(60_000);
  let srv: ScriptedOpenAI;
  let ws: TestWorkspace;

  before(async () => {
    srv = await startScriptedOpenAI();
    ws = await makeWorkspace();
    await writeConfig();
  });
  after(async () => {
    await srv.close();
  });
  beforeEach(() => srv.reset());

  async function writeConfig(extra = ''): Promise<void> {
    const yaml =
      `mcp_servers:\n` +
      `  - name: everything\n    command: ${JSON.stringify(process.execPath)}\n    args: [${JSON.stringify(EVERYTHING)}, stdio]\n` +
      `  - name: ask\n    command: ${JSON.stringify(process.execPath)}\n    args: [${JSON.stringify(ASK_SERVER)}]\n${extra}`;
    await writeFile(path.join(ws.dir, 'config.yaml'), yaml);
  }

  const cli = (args: string[], opts: { input?: string } = {}) => runCli(args, { cwd: ws.dir, env: agentEnv(ws, srv.url), input: opts.input, timeoutMs: 45_000 });
  const answerOf = (stdout: string) => JSON.parse(stdout) as { action?: string; content?: Record<string, unknown> };

  describe('resources and prompts', () => {
    it('lists resources and templates (table and --json)', async () => {
      const r = await cli(['resources']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^SERVER\s+URI\s+NAME\s+MIME TYPE/);
      assert.match(r.stdout, /everything\s+demo:\/\/resource\/static\/document\/features\.md\s+features\.md\s+text\/markdown/);
      assert.match(r.stdout, /demo:\/\/resource\/dynamic\/text\/\{resourceId\}\s+Dynamic Text Resource \(template\)/);
      const j = await cli(['resources', '--json']);
      const parsed = JSON.parse(j.stdout) as { resources: Array<{ server: string; uri: string }>; templates: Array<{ server: string; uriTemplate: string }> };
      assert.ok(parsed.resources.some((x) => x.server === 'everything' && x.uri.endsWith('/features.md')));
      assert.ok(parsed.templates.some((t) => t.uriTemplate === 'demo://resource/dynamic/blob/{resourceId}'));
    });

    it('reads a resource; exits 1 for an unknown URI, 2 for an unknown server', async () => {
      const r = await cli(['read', 'everything', 'demo://resource/static/document/features.md']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^# Everything Server - Features/);
      const missing = await cli(['read', 'everything', 'demo://nope']);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr.trim(), 'mcp-agent: server "everything": reading demo://nope failed: Resource demo://nope not found');
      const noServer = await cli(['read', 'nosuch', 'demo://x']);
      assert.equal(noServer.code, 2);
      assert.match(noServer.stderr, /no server named "nosuch"/);
      const usage = await cli(['read', 'everything']);
      assert.equal(usage.code, 2);
      assertNoStack(missing.stderr + noServer.stderr + usage.stderr);
    });

    it('read --out writes each content to a file named for it: an image as .png, text as itself', async () => {
      const out = path.join(ws.dataDir, 'read-out');
      const image = await cli(['read', 'ask', 'fixture://images/logo', '--out', out]);
      assert.equal(image.code, 0, image.stderr);
      assert.equal(image.stdout.trim(), path.join(out, 'logo.png'));
      const bytes = await readFile(path.join(out, 'logo.png'));
      assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the PNG itself, not base64');
      const text = await cli(['read', 'ask', 'fixture://notes/todo.md', '--out', out]);
      assert.equal(text.stdout.trim(), path.join(out, 'todo.md'));
      assert.equal(await readFile(path.join(out, 'todo.md'), 'utf8'), '# To do\n\n- [ ] ship it\n');
      await writeFile(path.join(ws.dataDir, 'a-file'), 'x');
      const bad = await cli(['read', 'ask', 'fixture://notes/todo.md', '--out', path.join(ws.dataDir, 'a-file', 'sub')]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--out .*a-file\/sub: cannot create the directory \(ENOTDIR\)/);
      assertNoStack(bad.stderr);
    });

    it('lists prompts with their arguments', async () => {
      const r = await cli(['prompts']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /everything\/args-prompt\s+city \[state\]\s+A prompt with two arguments/);
      const j = JSON.parse((await cli(['prompts', '--json'])).stdout) as Array<{ server: string; name: string }>;
      assert.ok(j.some((p) => p.server === 'everything' && p.name === 'completable-prompt'));
    });
  });

  describe('chat with prompts and attachments', () => {
    it('runs a server prompt as the first message (--prompt, --arg)', async () => {
      srv.enqueue({ text: 'Paris is lovely.' });
      const r = await cli(['chat', '--prompt', 'everything/args-prompt', '--arg', 'city=Paris', '--arg', 'state=Ile-de-France']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Paris is lovely.\n');
      const msgs = srv.chatRequests[0].body.messages as Array<{ role: string; content: string }>;
      const last = msgs[msgs.length - 1];
      assert.equal(last.role, 'user');
      assert.match(last.content, /What's weather in Paris, Ile-de-France\?/);
    });

    it('exits 2 naming the missing required arguments when no one can be asked', async () => {
      const r = await cli(['chat', '--prompt', 'everything/args-prompt']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr.trim().split('\n').pop(), 'mcp-agent: prompt everything/args-prompt needs --arg city=...');
      const unknown = await cli(['chat', '--prompt', 'everything/nope']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /server "everything" has no prompt "nope"/);
      assert.equal(srv.chatRequests.length, 0);
    });

    it('attaches a resource to the first message (--attach SERVER:URI)', async () => {
      srv.enqueue({ text: 'Summary.' });
      const r = await cli(['chat', '--attach', 'everything:demo://resource/static/document/features.md', 'summarize this']);
      assert.equal(r.code, 0, r.stderr);
      const msgs = srv.chatRequests[0].body.messages as Array<{ role: string; content: string }>;
      const last = msgs[msgs.length - 1].content;
      assert.match(last, /^<resource uri="demo:\/\/resource\/static\/document\/features\.md" server="everything" mimeType="text\/markdown">\n# Everything Server - Features/);
      assert.match(last, /<\/resource>\n\nsummarize this$/);
    });
  });

  describe('elicitation without a terminal', () => {
    it('declines (saying why on stderr) without --yes', async () => {
      const r = await cli(['call', 'ask_defaults']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(answerOf(r.stdout), { action: 'decline' });
      assert.match(r.stderr, /server "ask" made an elicitation request; declined because no one is at a terminal to answer \(pass --yes to accept with defaults\)/);
    });

    it('accepts with the defaults with --yes, and declines a form whose required field has no default', async () => {
      const r = await cli(['call', 'ask_defaults', '--yes']);
      assert.deepEqual(answerOf(r.stdout), { action: 'accept', content: { size: 'M', count: 2 } });
      const form = await cli(['call', 'ask_form', '--yes']);
      assert.deepEqual(answerOf(form.stdout), { action: 'decline' });
      const url = await cli(['call', 'ask_url', '--yes', '--args', '{"url":"https://example.com/sign"}']);
      assert.deepEqual(answerOf(url.stdout), { action: 'decline' });
    });
  });

  describe('sampling', () => {
    it('declines without a terminal, answers with --yes through the configured model', async () => {
      const declined = await cli(['call', 'sample', '--args', '{"prompt":"hello"}']);
      assert.equal(declined.code, 1);
      assert.match(declined.stdout, /sampling failed: .*User rejected sampling request/);
      assert.match(declined.stderr, /server "ask" made a sampling request; declined/);
      assert.equal(srv.chatRequests.length, 0);
      srv.enqueue({ text: 'Hi from the model.' });
      const r = await cli(['call', 'sample', '--yes', '--args', '{"prompt":"hello"}']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(answerOf(r.stdout), { model: 'test-model', stopReason: 'endTurn', role: 'assistant', content: { type: 'text', text: 'Hi from the model.' } });
      const body = srv.chatRequests[0].body as unknown as { messages: Array<{ content: string }>; max_tokens: number };
      assert.equal(body.messages[0].content, 'hello');
      assert.equal(body.max_tokens, 64);
    });

    it('answers a trusted server without asking (--trust-sampling, or sampling.trusted in the definition)', async () => {
      srv.enqueue({ text: 'one' }, { text: 'two' });
      const byFlag = await cli(['call', 'sample', '--trust-sampling', 'ask', '--args', '{"prompt":"a"}']);
      assert.equal(byFlag.code, 0, byFlag.stderr);
      assert.equal((answerOf(byFlag.stdout) as { content: { text: string } }).content.text, 'one');
      await writeConfig('    sampling: { trusted: true }\n');
      try {
        const byConfig = await cli(['call', 'sample', '--args', '{"prompt":"b"}']);
        assert.equal(byConfig.code, 0, byConfig.stderr);
        assert.equal((answerOf(byConfig.stdout) as { content: { text: string } }).content.text, 'two');
      } finally {
        await writeConfig();
      }
    });
  });

  it('gives the workspace as the one root', async () => {
    const r = await cli(['call', 'get-roots-list', '--workspace', ws.dataDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Current MCP Roots \(1 total\):\n\n1\. data\n\s+URI: (\S+)/);
    assert.equal(/URI: (\S+)/.exec(r.stdout)?.[1], pathToFileURL(ws.dataDir).href);
  });

  it('shows server log messages on stderr with --log-level, and rejects an unknown level', async () => {
    const r = await cli(['call', 'toggle-simulated-logging', '--log-level', 'debug']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^\[everything\] (debug|info|notice|warning|error|critical|alert|emergency): \w+[- ]level/im);
    const quiet = await cli(['call', 'toggle-simulated-logging']);
    assert.doesNotMatch(quiet.stderr, /^\[everything\]/m);
    const bad = await cli(['tools', '--log-level', 'loud']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--log-level must be one of debug, info, notice/);
  });

  it('serve: lists resources and prompts, reads a resource; with --yes accepts elicitations with defaults; roots = workspace', async () => {
    const api = await startServe(['--yes'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
    try {
      const list = parseJson<{ resources: Array<{ server: string; uri: string }>; templates: unknown[] }>(await request(api.port, '/resources'));
      assert.ok(list.resources.some((r) => r.server === 'everything' && r.uri.endsWith('/features.md')));
      assert.ok(list.templates.length >= 2);
      const prompts = parseJson<Array<{ server: string; name: string }>>(await request(api.port, '/prompts'));
      assert.ok(prompts.some((p) => p.name === 'args-prompt'));
      const read = await request(api.port, `/resources/read?server=everything&uri=${encodeURIComponent('demo://resource/static/document/features.md')}`);
      assert.equal(read.status, 200);
      assert.match(parseJson<{ contents: Array<{ text: string }> }>(read).contents[0].text, /^# Everything Server - Features/);
      assert.equal((await request(api.port, '/resources/read?server=everything')).status, 400);
      assert.equal((await request(api.port, '/resources/read?server=nope&uri=x')).status, 404);
      assert.equal((await request(api.port, '/resources/read?server=everything&uri=demo%3A%2F%2Fnope')).status, 502);
      // No one is at the terminal: --yes answers an elicitation with its defaults; the roots are the workspace.
      srv.enqueue({ toolCalls: [{ name: 'ask__ask_defaults' }, { name: 'everything__get-roots-list' }] }, { text: 'done' });
      const chat = parseJson<{ tool_calls: Array<{ name: string; result?: string; content?: string }> }>(
        await request(api.port, '/chat', { method: 'POST', body: { prompt: 'go' } }),
      );
      const toolMsgs = (srv.chatRequests[1].body.messages as Array<{ role: string; content: string }>).filter((m) => m.role === 'tool').map((m) => m.content).join('\n');
      assert.match(toolMsgs, /\{"action":"accept","content":\{"size":"M","count":2\}\}/, JSON.stringify(chat));
      assert.match(toolMsgs, new RegExp(`URI: ${pathToFileURL(ws.dir).href.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    } finally {
      await api.stop();
    }
  });

  describe('on a terminal (a pseudo-terminal through `script`)', function () {
    before(function () {
      if (!hasScript()) this.skip();
    });

    /** Runs the CLI on a pty in the workspace, giving each answer when a question is waiting. */
    function onTerminal(args: string[], answers: string[]): Promise<{ code: number | null; output: string }> {
      return ptyTerminal(args, answers, { cwd: ws.dir, env: agentEnv(ws, srv.url) });
    }

    it('asks each field, re-asks an invalid answer, shows enums as numbered choices, then accepts', async () => {
      const r = await onTerminal(['call', 'ask_form'], ['', 'Ann', 'y', '42', '7', '2', 'a']);
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /Server "ask" asks for information:\n {2}Tell us about you/);
      assert.match(r.output, /Name is required\./);
      assert.match(r.output, /Age: must be at most 10/);
      assert.match(r.output, / {2}1\) Red \[r\]\n {2}2\) Green \[g\]/);
      const json = r.output.slice(r.output.lastIndexOf('{"action"')).trim();
      assert.deepEqual(JSON.parse(json), { action: 'accept', content: { name: 'Ann', subscribe: true, age: 7, color: 'g' } });
    });

    it('declines a form', async () => {
      const declined = await onTerminal(['call', 'ask_defaults'], ['', '', 'd']);
      assert.match(declined.output, /\{"action":"decline"\}/);
    });

    it('asks before sampling and sends the answer only when allowed', async () => {
      srv.enqueue({ text: 'allowed answer' });
      const yes = await onTerminal(['call', 'sample', '--args', '{"prompt":"tell me"}'], ['y']);
      assert.match(yes.output, /Server "ask" asks the model \(test-model, up to 64 tokens\) to answer:\n {2}user: tell me/);
      assert.match(yes.output, /"text":"allowed answer"/);
      const no = await onTerminal(['call', 'sample', '--args', '{"prompt":"tell me"}'], ['n']);
      assert.match(no.output, /User rejected sampling request/);
      assert.equal(srv.chatRequests.length, 1);
    });

    it('runs /prompt in an interactive chat, asking for a missing argument with the server\'s suggestions', async () => {
      srv.enqueue({ text: 'Promoted.' });
      const r = await onTerminal(['chat'], ['/prompt everything/completable-prompt department=Sales', 'Eve', '/exit']);
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /suggestions: David, Eve, Frank/);
      assert.match(r.output, /Promoted\./);
      const msgs = srv.chatRequests[0].body.messages as Array<{ role: string; content: string }>;
      assert.equal(msgs[msgs.length - 1].content, 'Please promote Eve to the head of the Sales team.');
    });

    it('watches a resource attached in a chat: a change is announced and its current contents go with the next message', async () => {
      const uri = 'demo://resource/static/document/features.md';
      // The first answer calls the tool that makes the server report the subscribed resource changed.
      srv.enqueue({ toolCalls: [{ name: 'everything__toggle-subscriber-updates' }] }, { text: 'Summarized.' }, { text: 'Noted.' }, { text: 'Plain.' });
      const r = await onTerminal(['chat', '--yes'], [`/attach everything:${uri} summarize`, 'what changed?', 'and now?', '/exit']);
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, new RegExp(`\\[everything: ${uri.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} changed since it was attached; its current contents go with your next message\\]`));
      const userTexts = srv.chatRequests.map((c) => {
        const msgs = c.body.messages as Array<{ role: string; content: string }>;
        return msgs.filter((m) => m.role === 'user').pop()?.content ?? '';
      });
      assert.equal(userTexts.length, 4);
      // Context first, the question last.
      assert.match(userTexts[2], /^These attached resources changed since they were attached; their current contents:\n<resource uri="demo:\/\/resource\/static\/document\/features\.md" server="everything"/);
      assert.match(userTexts[2], /<\/resource>\n\nwhat changed\?$/);
      assert.match(userTexts[2], /# Everything Server - Features/);
      assert.equal(userTexts[3], 'and now?');
    });

    it('confirms a URL before opening it with $BROWSER', async () => {
      const marker = path.join(ws.dataDir, 'opened.txt');
      const opener = path.join(ws.dataDir, 'opener.sh');
      await writeFile(opener, `#!/bin/sh\nprintf '%s' "$1" > ${JSON.stringify(marker)}\n`, { mode: 0o755 });
      process.env.BROWSER = opener;
      try {
        const r = await onTerminal(['call', 'ask_url', '--args', '{"url":"https://example.com/sign?id=1"}'], ['y']);
        assert.match(r.output, /Server "ask" asks you to open a link:\n {2}Please sign the form\n {2}https:\/\/example\.com\/sign\?id=1/);
        assert.match(r.output, /\{"action":"accept"\}/);
        // The opener runs detached: wait for it to have written.
        for (let i = 0; i < 50 && !existsSync(marker); i++) await new Promise((res) => setTimeout(res, 100));
        assert.equal(await readFile(marker, 'utf8'), 'https://example.com/sign?id=1');
      } finally {
        delete process.env.BROWSER;
      }
    });
  });
});
