/**
 * The CLI's answers to server requests: roots are the workspace; elicitation and sampling are asked on a
 * terminal, accepted with `--yes` (elicitation: the schema's defaults), and declined otherwise.
 */
import type { ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import type { ChatProvider } from '../core/llm/types';
import { acceptWithDefaults, elicitationView } from '../core/mcp/elicitation';
import type { ClientHandlers } from '../core/mcp/McpAgent';
import { rootsFromPaths } from '../core/mcp/roots';
import { createSamplingHandler } from '../core/mcp/sampling';
import type { ServerDefinition } from '../core/mcp/serverConfig';
import { askElicitation, askSampling, oneAtATime, terminalIO, type TerminalIO } from './interaction';
import { openBrowser } from './oauth/browserUserAgent';

export interface CliHandlerOptions {
  workspace: string;
  /** Accept elicitations with their defaults and approve sampling without asking. */
  yes: boolean;
  /** Someone is at the terminal to ask. */
  interactive: boolean;
  /** The model service for sampling; without one, sampling is not offered to servers. */
  provider?: ChatProvider;
  /** Servers trusted for sampling by flag (`--trust-sampling`); definitions may say `sampling: { trusted: true }`. */
  trustSampling?: string[];
  servers?: ServerDefinition[];
  /** Sampling requests per server per minute. */
  samplingPerMinute?: number;
  io?: TerminalIO;
  openUrl?: (url: string) => Promise<boolean>;
  /** Told when a request is declined because no one can be asked (once per kind). */
  notice?: (message: string) => void;
}

export function cliClientHandlers(opts: CliHandlerOptions): ClientHandlers {
  const io = opts.io ?? terminalIO();
  const openUrl = opts.openUrl ?? ((url: string) => openBrowser(url));
  const noticed = new Set<string>();
  const notice = (kind: string, server: string) => {
    if (noticed.has(kind)) return;
    noticed.add(kind);
    opts.notice?.(`server "${server}" made ${kind === 'elicitation' ? 'an' : 'a'} ${kind} request; declined because no one is at a terminal to answer (pass --yes to accept${kind === 'elicitation' ? ' with defaults' : ''})`);
  };
  const trusted = new Set(opts.trustSampling ?? []);
  for (const s of opts.servers ?? []) if (s.sampling?.trusted) trusted.add(s.name);

  const handlers: ClientHandlers = {
    roots: () => Promise.resolve(rootsFromPaths([opts.workspace])),
    elicitation: (server, params, signal): Promise<ElicitResult> => {
      if (opts.yes) return Promise.resolve(acceptWithDefaults(params));
      if (!opts.interactive) {
        notice('elicitation', server);
        return Promise.resolve({ action: 'decline' });
      }
      return oneAtATime(() => askElicitation(server, elicitationView(params), io, openUrl, signal));
    },
  };
  if (opts.provider) {
    handlers.sampling = createSamplingHandler({
      provider: opts.provider,
      trusted: (server) => trusted.has(server),
      rateLimit: { perMinute: opts.samplingPerMinute ?? 10 },
      approve: (view, signal) => {
        if (opts.yes) return Promise.resolve('approve');
        if (!opts.interactive) {
          notice('sampling', view.server);
          return Promise.resolve('decline');
        }
        return oneAtATime(() => askSampling(view, io, signal));
      },
    });
  }
  return handlers;
}
