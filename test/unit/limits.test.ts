import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { createRequire } from 'node:module';
import { cliClientHandlers } from '../../src/cli/clientHandlers';
import { McpAgent } from '../../src/core/mcp/McpAgent';
import { rateLimit } from '../../src/core/mcp/clientSetup';
import { definitionFromUrl, type ServerDefinition } from '../../src/core/mcp/serverConfig';
import { elicitationView } from '../../src/core/mcp/elicitation';
import { DEFAULT_TOOL_LIMITS, capTools, describeCuts } from '../../src/core/mcp/listing';
import { createEditTools } from '../../src/core/tools/editFile';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';
import { searchWorkspace } from '../../src/core/tools/search';

// cross-spawn's escaping, which the SDK's stdio transport uses on Windows (untyped, hence require).
const escape = createRequire(__filename)('cross-spawn/lib/util/escape.js') as { argument(arg: string, doubleEscapeMetaChars?: boolean): string };

const BAD_LINKS = ['javascript:alert(1)', 'file:///etc/passwd', 'command:workbench.action.terminal.new', 'vscode://x/y', 'https://user:pw@example.com/', 'java\nscript:alert(1)', 'not a url'];

describe('limits on what servers send', () => {
  describe('URL elicitation goes through the shared http(s) link rule', () => {
    it('marks every non-http(s) or credentialed URL as not openable, and normalizes the ones it opens', () => {
      for (const url of BAD_LINKS) {
        const v = elicitationView({ mode: 'url', message: 'm', url, elicitationId: 'e' });
        assert.equal(v.mode === 'url' && v.openable, false, url);
      }
      const ok = elicitationView({ mode: 'url', message: 'm', url: 'HTTPS://Example.COM/a?b=1', elicitationId: 'e' });
      assert.ok(ok.mode === 'url' && ok.openable && ok.url === 'https://example.com/a?b=1' && ok.host === 'example.com');
    });

    it('the CLI declines them without opening anything, even when the user answers yes', async () => {
      for (const url of BAD_LINKS) {
        const input = new PassThrough();
        const output = new PassThrough();
        let said = '';
        output.on('data', (d: Buffer) => (said += d.toString()));
        const opened: string[] = [];
        const handlers = cliClientHandlers({ workspace: '/tmp', yes: false, interactive: true, io: { input, output }, openUrl: (u) => (opened.push(u), Promise.resolve(true)) });
        const answer = handlers.elicitation!('srv', { mode: 'url', message: 'open this', url, elicitationId: 'e' }, new AbortController().signal);
        input.write('y\n');
        assert.deepEqual(await answer, { action: 'decline' }, url);
        assert.deepEqual(opened, []);
        assert.match(said, /not an http\(s\) link: declined/);
      }
    });
  });

  describe('tool lists', () => {
    it('drops tools past the count and tools with an oversized schema, and cuts long descriptions', () => {
      const tools = Array.from({ length: 300 }, (_, i) => ({ name: `t${i}`, inputSchema: { type: 'object' as const } }));
      tools[0] = { ...tools[0], inputSchema: { type: 'object', properties: { x: { type: 'string', description: 'x'.repeat(DEFAULT_TOOL_LIMITS.maxSchemaBytes) } } } } as never;
      (tools[1] as { description?: string }).description = 'd'.repeat(1024 * 1024);
      const r = capTools(tools);
      assert.equal(r.tools.length, DEFAULT_TOOL_LIMITS.maxTools);
      assert.ok(!r.tools.some((t) => t.name === 't0'), 'the oversized schema never reaches the model');
      assert.equal(r.dropped, 100, "t0 (schema) and t201..t299 (count)");
      assert.equal(r.truncated, 1);
      assert.ok(JSON.stringify(r.tools).length < 1024 * 1024, 'far less than a megabyte in all');
      assert.match(describeCuts(r.dropped, r.truncated), /100 tool\(s\) left out.*1 description\(s\) cut/);
    });
  });

  describe('elicitation rate limit', () => {
    it('allows N a minute, refuses the rest, and allows again once the window moves', () => {
      let now = 0;
      const allow = rateLimit(3, 60_000, () => now);
      assert.deepEqual([allow(), allow(), allow(), allow()], [true, true, true, false]);
      now = 60_001;
      assert.equal(allow(), true);
    });
  });

  describe('cmd.exe argument escaping (Windows stdio servers)', () => {
    // The SDK spawns stdio servers with cross-spawn; on Windows it starts .cmd shims (npx, uvx) through cmd.exe with
    // this escaping. We no longer wrap commands in `cmd /c` ourselves, which passed arguments unescaped.
    it('quotes arguments and escapes cmd.exe metacharacters so none ends the command', () => {
      const e = escape;
      for (const arg of ['a & calc', 'x | whoami', '"quoted" > out', '%PATH%', 'a^b', '!x!', 'back\\slash\\"']) {
        for (const escaped of [e.argument(arg), e.argument(arg, true)]) {
          // Every metacharacter is preceded by ^ (so cmd.exe takes it literally), and the argument is one quoted word.
          assert.ok(!/(^|[^^])[&|<>%!"]/.test(escaped), `${arg} -> ${escaped}`);
          assert.ok(/^\^+"/.test(escaped) && /\^+"$/.test(escaped), `${arg} is quoted: ${escaped}`);
        }
      }
    });
  });

  describe('workspace containment by real path', () => {
    it('treats a symbolic link inside the workspace that leads outside as outside, for reads and edits', async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-'));
      const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-out-'));
      try {
        fs.writeFileSync(path.join(outside, 'secret.txt'), 'TOP SECRET\n');
        fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'notes.txt'));
        fs.symlinkSync(outside, path.join(root, 'dir'));
        fs.writeFileSync(path.join(root, 'real.txt'), 'inside\n');
        fs.symlinkSync(path.join(root, 'real.txt'), path.join(root, 'alias.txt'));
        const ws = new NodeWorkspace(root);
        await assert.rejects(ws.readFile('notes.txt'), /outside the workspace/);
        await assert.rejects(ws.readFile('dir/secret.txt'), /outside the workspace/);
        assert.equal(await ws.readFile('alias.txt'), 'inside\n', 'a link that stays inside still works');
        const [editFile] = createEditTools({ workspace: ws });
        const r = await editFile.run({ path: 'notes.txt', edits: [{ oldText: 'TOP', newText: 'NO' }] }, {});
        assert.equal(r.isError, true);
        assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'TOP SECRET\n');
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
        fs.rmSync(outside, { recursive: true, force: true });
      }
    });
  });

  describe('regular expressions in the built-in search', () => {
    it('stops a catastrophically backtracking pattern with a clear error instead of hanging, and still finds plain matches', async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'redos-'));
      try {
        fs.writeFileSync(path.join(root, 'a.txt'), `hello\n${'a'.repeat(5000)}b\n`);
        await assert.rejects(searchWorkspace({ root, query: '(a+)+$', regex: true, engine: 'node' }), /regular expression took longer than .*simplify it/);
        const ok = await searchWorkspace({ root, query: 'hel+o', regex: true, engine: 'node' });
        assert.deepEqual(ok.matches.map((m) => [m.path, m.line]), [['a.txt', 1]]);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
  });

  describe('OAuth tokens are known secrets', () => {
    it("records the tokens an HTTP server's OAuth provider hands to the transport", async () => {
      const def = definitionFromUrl('http://127.0.0.1:9/mcp', 'remote') as ServerDefinition;
      const access = 'at-0123456789abcdef';
      const refresh = 'rt-0123456789abcdef';
      const provider = {
        redirectUrl: 'http://127.0.0.1/cb',
        clientMetadata: { redirect_uris: ['http://127.0.0.1/cb'] },
        clientInformation: () => undefined,
        tokens: () => Promise.resolve({ access_token: access, refresh_token: refresh, token_type: 'Bearer' }),
        saveTokens: () => undefined,
        redirectToAuthorization: () => undefined,
        saveCodeVerifier: () => undefined,
        codeVerifier: () => '',
      };
      const agent = new McpAgent({ ...def, transport: 'http' }, { auth: () => ({ provider, completeAuthorization: () => Promise.resolve(undefined) }), restart: { maxRetries: 0 }, connectTimeoutMs: 5000 });
      await agent.start(); // nothing listens on port 9: the connection fails after the transport asked for the tokens
      await agent.stop();
      assert.deepEqual(agent.secrets.sort(), [access, refresh]);
    });
  });
});
