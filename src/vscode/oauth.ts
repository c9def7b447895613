/**
 * OAuth for HTTP and SSE servers in VS Code, on the core's ports (src/core/mcp/oauth): registrations and tokens in
 * SecretStorage (never in settings or a log), and the browser step through `vscode.env.openExternal`, after the user
 * agreed, with a loopback listener on 127.0.0.1 taking the authorization server's redirect (RFC 8252 §7.3). Only
 * http(s) authorization URLs are ever opened. A server whose sign-in the user cancelled, or signed out of, is not
 * asked about again until the user restarts it.
 */
import * as vscode from 'vscode';
import { oauthStoreKey } from '../core/mcp/oauth/authorizationCodeProvider';
import { createServerAuth } from '../core/mcp/oauth/serverAuth';
import { listenForRedirect } from '../core/mcp/oauth/loopback';
import { AuthorizationUrlRefusedError, assertHttpAuthorizationUrl, type AuthorizationResponse, type ServerAuth } from '../core/mcp/oauth/types';
import type { ServerDefinition } from '../core/mcp/serverConfig';
import type { Logger, SecretStore } from '../core/ports';

const PORT_KEY = 'mcpAgent.oauth.redirectPort';
const SIGN_IN_TIMEOUT_MS = 5 * 60_000;

/** SecretStorage as the core's SecretStore. */
export class SecretStorageStore implements SecretStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}
  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.secrets.get(key));
  }
  set(key: string, value: string): Promise<void> {
    return Promise.resolve(this.secrets.store(key, value));
  }
  delete(key: string): Promise<void> {
    return Promise.resolve(this.secrets.delete(key));
  }
}

class SignInCancelledError extends Error {
  constructor() {
    super(vscode.l10n.t('sign-in cancelled; restart the server to sign in'));
    this.name = 'SignInCancelledError';
  }
}

/** One browser step at a time: the loopback port is shared. */
let queue: Promise<unknown> = Promise.resolve();

export class VsCodeAuth {
  private readonly store: SecretStore;
  /** Servers not to ask about again (sign-in cancelled, or signed out) until the user restarts them. */
  private readonly quiet = new Set<string>();

  constructor(
    private readonly ctx: vscode.ExtensionContext,
    private readonly logger: Logger,
  ) {
    this.store = new SecretStorageStore(ctx.secrets);
  }

  /** McpAgentOptions.auth: called once per connection attempt. */
  readonly forServer = (def: ServerDefinition): ServerAuth | undefined => {
    const quiet = this.quiet.has(def.name);
    return createServerAuth(def, {
      store: this.store,
      redirectUrl: this.redirectUrl(),
      userAgent: quiet ? undefined : { authorize: (url, redirect) => this.authorize(def.name, url, redirect) },
      clientName: 'MCP Agent for VS Code',
      signInHint: () => vscode.l10n.t('restart it from "MCP Agent: Show MCP Servers" to sign in'),
      logger: this.logger,
    });
  };

  /** The user asked for a (re)start: sign-in may be asked for again. */
  allowSignIn(server?: string): void {
    if (server) this.quiet.delete(server);
    else this.quiet.clear();
  }

  /** Forgets the server's tokens and registration; resolves to whether there was anything to forget. */
  async signOut(def: ServerDefinition): Promise<boolean> {
    if (!def.url) return false;
    const key = oauthStoreKey(def.url, def.oauth?.clientId);
    const had = (await this.store.get(key)) !== undefined;
    await this.store.delete(key);
    this.quiet.add(def.name);
    return had;
  }

  /**
   * `http://127.0.0.1:PORT/callback`: PORT is chosen once at random among the ephemeral ports and kept, so that a
   * client registered with this redirect URI can be used again in later sessions.
   */
  redirectUrl(): string {
    let port = this.ctx.globalState.get<number>(PORT_KEY);
    if (!Number.isInteger(port) || !port || port < 1024 || port > 65535) {
      port = 49152 + Math.floor(Math.random() * (65535 - 49152));
      void this.ctx.globalState.update(PORT_KEY, port);
    }
    return `http://127.0.0.1:${port}/callback`;
  }

  private authorize(server: string, authorizationUrl: URL, redirectUrl: string): Promise<AuthorizationResponse> {
    const run = queue.then(() => this.signIn(server, authorizationUrl, new URL(redirectUrl)));
    queue = run.catch(() => undefined);
    return run;
  }

  private async signIn(server: string, authorizationUrl: URL, redirect: URL): Promise<AuthorizationResponse> {
    let url: URL;
    try {
      url = assertHttpAuthorizationUrl(authorizationUrl);
    } catch (err) {
      void vscode.window.showErrorMessage(vscode.l10n.t('MCP server "{0}" asked to open a sign-in address that is not a web page ({1}); it was not opened.', server, authorizationUrl.protocol));
      throw err instanceof AuthorizationUrlRefusedError ? err : new AuthorizationUrlRefusedError(String(authorizationUrl));
    }
    const signIn = vscode.l10n.t('Sign In');
    const cancel = vscode.l10n.t('Cancel');
    const answer = await vscode.window.showInformationMessage(vscode.l10n.t('MCP server "{0}" wants you to sign in at {1}.', server, url.host), signIn, cancel);
    if (answer !== signIn) {
      this.quiet.add(server);
      throw new SignInCancelledError();
    }
    const listener = await listenForRedirect(redirect, url.searchParams.get('state') ?? undefined, SIGN_IN_TIMEOUT_MS, {
      signedIn: { title: vscode.l10n.t('Signed in'), text: vscode.l10n.t('MCP Agent is signed in. You can close this tab and return to VS Code.') },
      failed: vscode.l10n.t('Sign-in failed'),
      timedOut: (ms) => vscode.l10n.t('sign-in timed out after {0} minutes', ms / 60_000),
      portInUse: (port) => vscode.l10n.t('port {0} for the sign-in redirect is in use; restart the server to try another', port),
    }).catch((err: unknown) => {
      // Someone else took our port: choose another for the next attempt.
      void this.ctx.globalState.update(PORT_KEY, undefined);
      throw err;
    });
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Signing in to "{0}" in your browser…', server), cancellable: true },
        async (_progress, token) => {
          const cancelled = new Promise<never>((_, reject) => token.onCancellationRequested(() => reject(new SignInCancelledError())));
          const opened = await vscode.env.openExternal(vscode.Uri.parse(url.href, true));
          if (!opened) throw new Error(vscode.l10n.t('the browser could not be opened for sign-in'));
          this.logger.info(`[${server}] waiting for the sign-in at ${url.origin}`);
          return Promise.race([listener.result, cancelled]);
        },
      );
    } catch (err) {
      if (err instanceof SignInCancelledError) this.quiet.add(server);
      throw err;
    } finally {
      await listener.close();
    }
  }
}
