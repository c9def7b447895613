/** `mcp-agent`: the headless front of the agent core. One-line errors, documented exit codes, no stack traces. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as path from 'node:path';
import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import { CliError, EXIT, LOG_LEVELS, type CommonOptions } from './context';
import { runServers } from './commands/servers';
import { runTools } from './commands/tools';
import { runCall } from './commands/call';
import { runChat } from './commands/chat';
import { runServe } from './commands/serve';
import { runKeys } from './commands/keys';
import { runConformance } from './commands/conformance';
import { runPrompts, runRead, runResources } from './commands/resources';
import { runLogin, runLogout } from './oauth/commands';
import { runCheckpoints } from './commands/checkpoints';
import { version } from './version';
import { visibleControls } from '../core/util/untrusted';
import { installFetchProxyFromEnv } from './proxy';

const USAGE = `mcp-agent ${version}: an agent that speaks the Model Context Protocol

Usage:
  mcp-agent servers [--config FILE]... [--url URL] [--json]
  mcp-agent tools   [--config FILE]... [--url URL] [--json]
  mcp-agent call TOOL [--args JSON] [--config FILE]... [--url URL] [--json] [--yes]
  mcp-agent resources [--config FILE]... [--url URL] [--json]   resources and resource templates
  mcp-agent read SERVER URI [--out DIR] [--config FILE]... [--json]
                                                                 a resource's contents (--out: each into a file)
  mcp-agent prompts [--config FILE]... [--url URL] [--json]     servers' prompts and their arguments
  mcp-agent chat [PROMPT] [--config FILE]... [--model M] [--yes] [--json] [--conversation ID]
                 [--prompt SERVER/NAME [--arg NAME=VALUE]...] [--attach SERVER:URI]... [--image FILE]... [--hide-reasoning]
  mcp-agent serve [--host 127.0.0.1] [--port 8000] [--config FILE]... [--yes] [--token T] [--keys FILE]
                  [--allow-origin ORIGIN]...   (a web page at ORIGIN may call the API; none by default)
                  [--max-turns N]   turns at once (default 32); more get 429 with Retry-After
                  [--turn-timeout S]   stop a turn after S seconds (default 900)
                  [--drain-timeout S]  on SIGTERM, running turns get S seconds to finish (default 30)
                  [--metrics-public]   GET /metrics without credentials
  mcp-agent keys [list | add NAME | remove NAME [--hash H]] [--file FILE]
                                               serve's API keys, one or more per user (add prints a new key once;
                                               the file, default MCP_AGENT_KEYS_FILE, keeps only hashes)
  mcp-agent checkpoints [list | diff ID | restore ID] [--json] [--yes]
                                               the workspace as it was before each chat turn's changes
  mcp-agent login SERVER [--config FILE]...    sign in to an OAuth-protected server (tokens kept 0600)
  mcp-agent logout SERVER [--config FILE]...

Options:
  --config FILE    server definitions (YAML or JSON; repeatable). Default: the first of
                   ./config.yaml, ./.vscode/mcp.json, ./.mcp.json, ./mcp.json, whose servers start
                   only once trusted (asked on a terminal; recorded, asked again when they change)
  --trust-workspace  trust the servers defined in the current directory as they are now
  --url URL        an ad-hoc server for this run (Streamable HTTP, falling back to SSE)
  --workspace DIR  the workspace (default: the current directory)
  --json           machine-readable output (chat: one JSON event per line)
  --model M        the model (default: OPENAI_MODEL, the config's llm.model, or gpt-4o-mini)
  --yes            approve every tool call and sampling request without asking, and answer
                   servers' questions (elicitation) with their defaults
  --trust-sampling SERVER  answer this server's sampling requests without asking (repeatable)
  --log-level L    ask servers for log messages from level L (debug, info, notice, warning,
                   error, ...) and show them on stderr (--verbose shows them too)
  --prompt SERVER/NAME  chat: start with a server's prompt (--arg NAME=VALUE for its arguments)
  --attach SERVER:URI   chat: attach a resource to the first message (repeatable)
  --image FILE     chat: send a PNG, JPEG, GIF or WebP with the first message, to a model that sees
                   images (repeatable; at most 8, 5 MB each)
  --conversation ID  continue a stored conversation
  --hide-reasoning chat: leave out a reasoning model's thinking (shown dim on stderr by default)
  --verbose        more detail on stderr
  -h, --help       this help;  --version  the version

Exit codes: 0 ok, 1 the tool returned an error, 2 usage or definition error, 3 server unreachable or timed out.
`;

const common = {
  config: { type: 'string', multiple: true, default: [] },
  url: { type: 'string' },
  json: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  workspace: { type: 'string' },
  yes: { type: 'boolean', default: false },
  'trust-sampling': { type: 'string', multiple: true, default: [] },
  'trust-workspace': { type: 'boolean', default: false },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

function parse<O extends ParseArgsConfig['options']>(argv: string[], extra: O) {
  try {
    return parseArgs({ args: argv, options: { ...common, ...extra }, allowPositionals: true, strict: true });
  } catch (err) {
    const lines = (err as Error).message.split('\n');
    // A value that starts with a dash needs `--name=value`; Node says how on a later line.
    const how = lines.find((l) => l.startsWith('To specify an option argument starting with a dash'));
    throw new CliError(`${lines[0]}${how ? ` ${how}` : ''} (see mcp-agent --help)`, EXIT.usage);
  }
}

function commonOptions(values: {
  config?: string[];
  url?: string;
  json?: boolean;
  verbose?: boolean;
  workspace?: string;
  yes?: boolean;
  'trust-sampling'?: string[];
  'trust-workspace'?: boolean;
  'log-level'?: string;
}): CommonOptions {
  const level = values['log-level'];
  if (level !== undefined && !LOG_LEVELS.includes(level as LoggingLevel)) throw new CliError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`, EXIT.usage);
  return {
    config: values.config ?? [],
    url: values.url,
    json: values.json ?? false,
    verbose: values.verbose ?? false,
    workspace: path.resolve(values.workspace ?? process.cwd()),
    yes: values.yes ?? false,
    trustSampling: values['trust-sampling'] ?? [],
    trustWorkspace: values['trust-workspace'] ?? false,
    logLevel: level as LoggingLevel | undefined,
  };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // HTTPS_PROXY, HTTP_PROXY and NO_PROXY for every fetch (MCP servers over HTTP, OAuth, embeddings); model requests
  // get theirs per request (cli/proxy.ts).
  installFetchProxyFromEnv();
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${version}\n`);
    return EXIT.ok;
  }
  switch (command) {
    case 'servers': {
      const { values } = parse(rest, {});
      if (values.help) return help();
      return runServers(commonOptions(values));
    }
    case 'tools': {
      const { values } = parse(rest, {});
      if (values.help) return help();
      return runTools(commonOptions(values));
    }
    case 'call': {
      const { values, positionals } = parse(rest, { args: { type: 'string' } });
      if (values.help) return help();
      if (positionals.length !== 1) throw new CliError('call needs exactly one TOOL name (see mcp-agent tools)', EXIT.usage);
      return runCall(commonOptions(values), positionals[0], values.args);
    }
    case 'resources':
    case 'prompts': {
      const { values, positionals } = parse(rest, {});
      if (values.help) return help();
      if (positionals.length) throw new CliError(`${command} takes no arguments (got "${positionals[0]}")`, EXIT.usage);
      return (command === 'resources' ? runResources : runPrompts)(commonOptions(values));
    }
    case 'read': {
      const { values, positionals } = parse(rest, { out: { type: 'string' } });
      if (values.help) return help();
      if (positionals.length !== 2) throw new CliError('read needs SERVER and URI (see mcp-agent resources)', EXIT.usage);
      return runRead(commonOptions(values), positionals[0], positionals[1], values.out);
    }
    case 'chat': {
      const { values, positionals } = parse(rest, {
        model: { type: 'string' },
        conversation: { type: 'string' },
        prompt: { type: 'string' },
        arg: { type: 'string', multiple: true, default: [] },
        attach: { type: 'string', multiple: true, default: [] },
        image: { type: 'string', multiple: true, default: [] },
        'hide-reasoning': { type: 'boolean', default: false },
      });
      if (values.help) return help();
      return runChat(
        { ...commonOptions(values), model: values.model, yes: values.yes ?? false, conversation: values.conversation, prompt: values.prompt, args: values.arg, attach: values.attach, images: values.image, hideReasoning: values['hide-reasoning'] },
        positionals.length ? positionals.join(' ') : undefined,
      );
    }
    case 'serve': {
      const { values, positionals } = parse(rest, {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8000' },
        token: { type: 'string' },
        model: { type: 'string' },
        'allow-origin': { type: 'string', multiple: true, default: [] },
        'max-turns': { type: 'string' },
        keys: { type: 'string' },
        'turn-timeout': { type: 'string' },
        'drain-timeout': { type: 'string' },
        'metrics-public': { type: 'boolean', default: false },
      });
      if (values.help) return help();
      if (positionals.length) throw new CliError(`serve takes no arguments (got "${positionals[0]}")`, EXIT.usage);
      const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
      return runServe({
        ...commonOptions(values),
        host: values.host ?? '127.0.0.1',
        port: Number(values.port),
        token: values.token,
        keys: values.keys,
        yes: values.yes ?? false,
        model: values.model,
        allowOrigins: values['allow-origin'],
        maxTurns: num(values['max-turns']),
        turnTimeout: num(values['turn-timeout']),
        drainTimeout: num(values['drain-timeout']),
        metricsPublic: values['metrics-public'],
      });
    }
    case 'keys': {
      const { values, positionals } = parse(rest, { file: { type: 'string' }, hash: { type: 'string' } });
      if (values.help) return help();
      if (positionals.length > 2) throw new CliError('keys takes a subcommand and at most one NAME', EXIT.usage);
      return runKeys({ file: values.file, json: values.json ?? false, hash: values.hash }, positionals[0], positionals[1]);
    }
    case 'checkpoints': {
      const { values, positionals } = parse(rest, {});
      if (values.help) return help();
      if (positionals.length > 2) throw new CliError('checkpoints takes a subcommand and at most one ID', EXIT.usage);
      return runCheckpoints(commonOptions(values), positionals[0], positionals[1]);
    }
    case 'login':
    case 'logout': {
      const { values, positionals } = parse(rest, {});
      if (values.help) return help();
      if (positionals.length !== 1) throw new CliError(`${command} needs exactly one SERVER (a configured name or a URL)`, EXIT.usage);
      return (command === 'login' ? runLogin : runLogout)(commonOptions(values), positionals[0]);
    }
    case 'conformance': {
      // Driven by the MCP conformance suite; not listed in the usage text.
      const { values, positionals } = parse(rest, {});
      if (positionals.length !== 1) throw new CliError('conformance needs the server URL', EXIT.usage);
      return runConformance(commonOptions(values), positionals[0]);
    }
    default:
      throw new CliError(`unknown command "${command}" (see mcp-agent --help)`, EXIT.usage);
  }
}

function help(): number {
  process.stdout.write(USAGE);
  return EXIT.ok;
}

const verbose = process.argv.includes('--verbose');
// Once the command is done, a lingering socket or timer in a library must not keep the process alive.
const exitSoon = () => setTimeout(() => process.exit(), 500).unref();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    exitSoon();
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`mcp-agent: ${visibleControls(err.message)}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`mcp-agent: ${visibleControls((err as Error)?.message ?? String(err))}\n`);
      if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
      process.exitCode = EXIT.usage;
    }
    exitSoon();
  },
);
