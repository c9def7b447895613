/**
 * The CLI trusts nothing it only discovered: server definitions found in the current directory (not named with
 * --config) start only once the user has trusted that exact definition, as VS Code does for workspace servers (the
 * same fingerprint: src/core/mcp/trust.ts). A cloned repository's `.mcp.json` can name any command. Trust is asked
 * on a terminal, or given with --trust-workspace; it is recorded under the data directory (0600) by fingerprint,
 * so an edited definition asks again.
 */
import { createHash } from 'node:crypto';
import { readFile, mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { ServerDefinition } from '../core/mcp/serverConfig';
import { trustFingerprint, trustSummary } from '../core/mcp/trust';
import { writeFileAtomic } from '../core/util/atomicWrite';
import { resolveDataDir } from '../core/util/paths';
import { redact } from '../core/util/redact';
import { visibleControls } from '../core/util/untrusted';
import { askLine, oneAtATime, terminalIO } from './interaction';

export interface TrustGateOptions {
  /** --trust-workspace: trust what is defined now, and remember it. */
  trustWorkspace: boolean;
  /** Someone is at a terminal to ask. */
  interactive: boolean;
  dataDir?: string;
}

interface TrustFile {
  version: 1;
  /** fingerprint -> what it was (for a person reading the file). */
  trusted: Record<string, { name: string; source: string; at: string }>;
}

function trustFile(dataDir?: string): string {
  return path.join(dataDir ?? resolveDataDir(), 'trusted-servers.json');
}

async function readTrust(file: string): Promise<TrustFile> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<TrustFile>;
    if (parsed && parsed.version === 1 && parsed.trusted && typeof parsed.trusted === 'object') return { version: 1, trusted: parsed.trusted };
  } catch {
    // missing or unreadable: nothing is trusted yet
  }
  return { version: 1, trusted: {} };
}

/**
 * The definitions from a discovered `file` that may start: those trusted before, or trusted now (flag or prompt).
 * The others are left out, with one message saying how to trust them.
 */
export async function trustedDiscovered(servers: ServerDefinition[], file: string, opts: TrustGateOptions, say: (line: string) => void): Promise<ServerDefinition[]> {
  if (servers.length === 0) return servers;
  // MCP_AGENT_TRUST_WORKSPACE=1: trust for this run without recording (CI, tests, throwaway containers).
  if (process.env.MCP_AGENT_TRUST_WORKSPACE === '1') return servers;
  const folder = path.dirname(file);
  const store = trustFile(opts.dataDir);
  const known = await readTrust(store);
  const fp = new Map(servers.map((s) => [s, trustFingerprint(s, folder)]));
  const untrusted = servers.filter((s) => !known.trusted[fp.get(s)!]);
  if (untrusted.length === 0) return servers;

  let trustNow = opts.trustWorkspace;
  if (!trustNow && opts.interactive) trustNow = await oneAtATime(() => ask(untrusted, file));
  if (trustNow) {
    const at = new Date().toISOString();
    for (const s of untrusted) known.trusted[fp.get(s)!] = { name: s.name, source: file, at };
    try {
      await mkdir(path.dirname(store), { recursive: true, mode: 0o700 });
      await writeFileAtomic(store, `${JSON.stringify(known, null, 2)}\n`, { mode: 0o600 });
    } catch (err) {
      say(`could not record the trust in ${store} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it holds for this run only`);
    }
    return servers;
  }
  const names = untrusted.map((s) => `"${s.name}"`).join(', ');
  say(
    `not starting ${untrusted.length === 1 ? 'server' : 'servers'} ${names} defined in ${path.relative(process.cwd(), file) || file}: ` +
      `a definition found in this directory runs only once you trust it (it can run any command). Review the file, then run once with --trust-workspace ` +
      `(or answer the prompt on a terminal), or name the file with --config.`,
  );
  return servers.filter((s) => !untrusted.includes(s));
}

/**
 * Whether the model endpoint a directory names (its `.env` or discovered config) may receive an API key that came
 * from elsewhere (the user's environment): trusted before for this folder and URL, or now (flag or prompt).
 */
export async function trustedEndpoint(baseUrl: string, from: string, folder: string, opts: TrustGateOptions): Promise<boolean> {
  if (process.env.MCP_AGENT_TRUST_WORKSPACE === '1') return true;
  const store = trustFile(opts.dataDir);
  const known = await readTrust(store);
  const fp = createHash('sha256').update(JSON.stringify({ v: 1, kind: 'llm-endpoint', folder, baseUrl })).digest('hex');
  if (known.trusted[fp]) return true;
  let trustNow = opts.trustWorkspace;
  if (!trustNow && opts.interactive) {
    trustNow = await oneAtATime(async () => {
      terminalIO().output.write(visibleControls(`\nThis directory (${from}) sends the model's requests, with the API key from your environment, to:\n  ${baseUrl}\n`));
      try {
        const a = (await askLine(terminalIO(), 'Trust this endpoint with your key? [y]es, [n]o: ')).trim().toLowerCase();
        return a === 'y' || a === 'yes';
      } catch {
        return false;
      }
    });
  }
  if (!trustNow) return false;
  known.trusted[fp] = { name: `model endpoint ${baseUrl}`, source: from, at: new Date().toISOString() };
  try {
    await mkdir(path.dirname(store), { recursive: true, mode: 0o700 });
    await writeFileAtomic(store, `${JSON.stringify(known, null, 2)}\n`, { mode: 0o600 });
  } catch {
    // trusted for this run only
  }
  return true;
}

async function ask(untrusted: ServerDefinition[], file: string): Promise<boolean> {
  const io = terminalIO();
  const lines = [`\nThis directory defines MCP servers (${file}) that are not trusted yet:`];
  for (const s of untrusted) {
    const t = trustSummary(s);
    lines.push(`  ${t.name} (${t.transport})`);
    if (t.commandLine) lines.push(`    runs: ${t.commandLine}`);
    if (t.cwd) lines.push(`    in:   ${t.cwd}`);
    if (t.url) lines.push(`    url:  ${t.url}`);
    // Values in known secret formats (an expanded ${env:GITHUB_TOKEN}, say) are masked; the rest shows what runs.
    if (Object.keys(s.env).length) lines.push(`    env:  ${Object.entries(s.env).map(([k, v]) => `${k}=${redact(v)}`).join(' ')}`);
    if (Object.keys(s.headers).length) lines.push(`    headers: ${Object.entries(s.headers).map(([k, v]) => `${k}: ${redact(v)}`).join('; ')}`);
  }
  io.output.write(`${visibleControls(lines.join('\n'))}\n`);
  try {
    const a = (await askLine(io, 'Trust and start them? [y]es, [n]o: ')).trim().toLowerCase();
    return a === 'y' || a === 'yes';
  } catch {
    return false;
  }
}
