/**
 * The CLI's browser step: a loopback HTTP listener on 127.0.0.1 takes the authorization server's redirect
 * (RFC 8252 §7.3), and the authorization URL goes to `$BROWSER`, else the system opener (`xdg-open` when there is a
 * display, `open`, `rundll32 url.dll`), and is always printed so it can be opened by hand. Only http(s) URLs are ever
 * handed to a program, always as one argument and never through a shell.
 */
import { spawn } from 'node:child_process';
import { listenForRedirect, type LoopbackTexts } from '../../core/mcp/oauth/loopback';
import { assertHttpAuthorizationUrl, type AuthorizationResponse, type UserAgent } from '../../core/mcp/oauth/types';

/** The loopback port when MCP_AGENT_OAUTH_PORT does not say otherwise. */
export const DEFAULT_REDIRECT_PORT = 33419;

/** `http://127.0.0.1:PORT/callback`, PORT from MCP_AGENT_OAUTH_PORT or the default. */
export function loopbackRedirectUrl(env: NodeJS.ProcessEnv = process.env): string {
  const n = Number(env.MCP_AGENT_OAUTH_PORT);
  const port = Number.isInteger(n) && n > 0 && n < 65536 ? n : DEFAULT_REDIRECT_PORT;
  return `http://127.0.0.1:${port}/callback`;
}

export interface BrowserUserAgentOptions {
  /** How long to wait for the redirect (default 5 minutes). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Where the URL and instructions go (default: stderr). */
  print?: (text: string) => void;
}

/** One sign-in at a time per process: the loopback port is shared. */
let queue: Promise<unknown> = Promise.resolve();

export class BrowserUserAgent implements UserAgent {
  constructor(private readonly opts: BrowserUserAgentOptions = {}) {}

  async authorize(authorizationUrl: URL, redirectUrl: string): Promise<AuthorizationResponse> {
    const url = assertHttpAuthorizationUrl(authorizationUrl);
    const run = queue.then(() => this.run(url, new URL(redirectUrl)));
    queue = run.catch(() => undefined);
    return run;
  }

  private async run(url: URL, redirect: URL): Promise<AuthorizationResponse> {
    const print = this.opts.print ?? ((t: string) => void process.stderr.write(t));
    const timeoutMs = this.opts.timeoutMs ?? 5 * 60_000;
    const listener = await listenForRedirect(redirect, url.searchParams.get('state') ?? undefined, timeoutMs, TEXTS);
    try {
      const opened = await openBrowser(url.href, this.opts.env ?? process.env, this.opts.platform ?? process.platform);
      print(`mcp-agent: sign in to ${url.host} ${opened ? 'in the browser that just opened' : 'in a browser'}; if it did not open, visit:\n  ${url.href}\n`);
      return await listener.result;
    } finally {
      await listener.close();
    }
  }
}

const TEXTS: LoopbackTexts = {
  signedIn: { title: 'Signed in', text: 'mcp-agent is signed in. You can close this tab.' },
  failed: 'Sign-in failed',
  timedOut: (ms) => `sign-in timed out after ${Math.round(ms / 1000)} s`,
  portInUse: (port) => `cannot take the sign-in redirect: port ${port} on 127.0.0.1 is in use (set MCP_AGENT_OAUTH_PORT to another port)`,
};

/**
 * Opens an http(s) URL: each command of `$BROWSER` (colon-separated, `%s` replaced by the URL or the URL appended),
 * else the platform's opener. Resolves to whether a program could be started.
 */
export async function openBrowser(target: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  // The parsed form: percent-encoded, so no spaces or quotes reach a program's argument.
  const url = assertHttpAuthorizationUrl(target).href;
  const candidates: string[][] = [];
  for (const entry of (env.BROWSER ?? '').split(platform === 'win32' ? ';' : ':')) {
    const words = entry.trim().split(/\s+/).filter(Boolean);
    if (!words.length) continue;
    const hasPlaceholder = words.some((w) => w.includes('%s'));
    const argv = words.map((w) => w.replace(/%s/g, url).replace(/%%/g, '%'));
    candidates.push(hasPlaceholder ? argv : [...argv, url]);
  }
  if (platform === 'darwin') candidates.push(['open', url]);
  else if (platform === 'win32') candidates.push(['rundll32', 'url.dll,FileProtocolHandler', url]);
  else if (env.DISPLAY || env.WAYLAND_DISPLAY) candidates.push(['xdg-open', url]);
  for (const [cmd, ...args] of candidates) {
    if (await start(cmd, args, env)) return true;
  }
  return false;
}

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args, { env, stdio: 'ignore', detached: true, windowsHide: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
