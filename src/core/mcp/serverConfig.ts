/**
 * Server definitions in the three formats users already have, normalized into one shape:
 * - VS Code `mcp.json`:               { servers: { NAME: { type, command, args, env, cwd, url, headers } }, inputs: [...] }
 * - Claude Desktop / Cursor / .mcp.json: { mcpServers: { NAME: { command, args, env } | { url, headers } } }
 * - the original system's config.yaml: { mcp_servers: [ { name, url, api_key } | { name, command, args, env } ] }
 * A bad entry is reported with its server and field; every other entry still loads.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export type TransportKind = 'stdio' | 'http' | 'sse';

export interface OAuthSettings {
  clientId?: string;
  clientSecret?: string;
  scopes?: string[];
  grant?: 'authorization_code' | 'client_credentials';
  privateKey?: string;
  signingAlgorithm?: string;
}

export interface ServerDefinition {
  name: string;
  /** `auto`: a URL with no type; Streamable HTTP first, legacy SSE on a 4xx. */
  transport: TransportKind | 'auto';
  command?: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  url?: string;
  headers: Record<string, string>;
  /** Per-call timeout. */
  timeoutMs: number;
  disabled: boolean;
  oauth?: OAuthSettings;
  /** Sampling: `trusted` answers the server's sampling requests without asking (rate limits still apply). */
  sampling?: { trusted?: boolean };
  /** Where the definition came from (a file path, `settings`, `--url`): shown in errors and used for trust. */
  source: string;
}

export interface ConfigIssue {
  source: string;
  server?: string;
  /** Dotted path of the offending field, e.g. `args` or `headers.Authorization`. */
  field?: string;
  message: string;
}

export const DEFAULT_TIMEOUT_SECONDS = 60;

export interface SubstitutionContext {
  env?: NodeJS.ProcessEnv;
  workspaceFolder?: string;
  userHome?: string;
  /**
   * `${input:ID}` in the definition of `server`; returns undefined when the input cannot be resolved (the entry is
   * then reported invalid).
   */
  input?: (id: string, server?: string) => string | undefined;
}

const stringRecord = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));
const oauthSchema = z
  .object({
    clientId: z.string().optional(),
    clientSecret: z.string().optional(),
    scopes: z.union([z.array(z.string()), z.string().transform((s) => s.split(/[\s,]+/).filter(Boolean))]).optional(),
    grant: z.enum(['authorization_code', 'client_credentials']).optional(),
    privateKey: z.string().optional(),
    signingAlgorithm: z.string().optional(),
  })
  .strict();

/** Fields every format shares; unknown keys are tolerated (other tools add their own). */
const entrySchema = z.object({
  type: z.enum(['stdio', 'http', 'sse', 'streamableHttp', 'streamable-http']).optional(),
  command: z.string().min(1, 'must not be empty').optional(),
  args: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
  env: stringRecord.optional(),
  envFile: z.string().optional(),
  cwd: z.string().optional(),
  url: z.string().optional(),
  headers: stringRecord.optional(),
  api_key: z.string().optional(),
  apiKey: z.string().optional(),
  timeout: z.number().positive('must be a positive number of seconds').max(3600, 'must be at most 3600 seconds').optional(),
  disabled: z.boolean().optional(),
  oauth: oauthSchema.optional(),
  sampling: z.object({ trusted: z.boolean().optional() }).strict().optional(),
});
type RawEntry = z.infer<typeof entrySchema>;

const NAME_RE = /^[^\s/\\]{1,100}$/;

/** Parses an already-decoded config document (JSON or YAML) into definitions and issues. */
export function parseServerDefinitions(doc: unknown, source: string, ctx: SubstitutionContext = {}): { servers: ServerDefinition[]; issues: ConfigIssue[] } {
  const servers: ServerDefinition[] = [];
  const issues: ConfigIssue[] = [];
  const entries: Array<{ name: unknown; raw: unknown; path: string }> = [];

  if (!isObject(doc)) {
    issues.push({ source, message: 'expected an object with "servers", "mcpServers" or "mcp_servers"' });
    return { servers, issues };
  }
  if (isObject(doc.servers)) {
    for (const [name, raw] of Object.entries(doc.servers)) entries.push({ name, raw, path: `servers.${name}` });
  }
  if (isObject(doc.mcpServers)) {
    for (const [name, raw] of Object.entries(doc.mcpServers)) entries.push({ name, raw, path: `mcpServers.${name}` });
  }
  if (Array.isArray(doc.mcp_servers)) {
    doc.mcp_servers.forEach((raw: unknown, i) => entries.push({ name: isObject(raw) ? raw.name : undefined, raw, path: `mcp_servers[${i}]` }));
  } else if (doc.mcp_servers !== undefined && doc.mcp_servers !== null) {
    issues.push({ source, field: 'mcp_servers', message: 'must be a list of servers' });
  }

  const seen = new Set<string>();
  for (const { name, raw, path } of entries) {
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      issues.push({ source, field: `${path}.name`, message: 'every server needs a name without spaces or slashes' });
      continue;
    }
    if (seen.has(name)) {
      issues.push({ source, server: name, message: 'defined twice; the first definition is used' });
      continue;
    }
    seen.add(name);
    const result = normalizeEntry(name, raw, source, ctx);
    if ('issue' in result) issues.push(result.issue);
    else servers.push(result.def);
  }
  return { servers, issues };
}

function normalizeEntry(name: string, raw: unknown, source: string, ctx: SubstitutionContext): { def: ServerDefinition } | { issue: ConfigIssue } {
  const fail = (message: string, field?: string): { issue: ConfigIssue } => ({ issue: { source, server: name, field, message } });
  if (!isObject(raw)) return fail('must be an object');

  const parsed = entrySchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const field = first.path.map(String).join('.') || undefined;
    return fail(first.message, field);
  }
  let e: RawEntry;
  try {
    const { input } = ctx;
    e = substituteDeep(parsed.data, input ? { ...ctx, input: (id) => input(id, name) } : ctx);
  } catch (err) {
    return fail((err as Error).message);
  }

  let transport: ServerDefinition['transport'];
  const type = e.type === 'streamableHttp' || e.type === 'streamable-http' ? 'http' : e.type;
  if (type) transport = type;
  else if (e.command) transport = 'stdio';
  else if (e.url) transport = 'auto';
  else return fail('needs either "command" (a local server) or "url" (a remote server)');

  if (transport === 'stdio' && !e.command) return fail('is required for a stdio server', 'command');
  if (transport !== 'stdio') {
    if (!e.url) return fail('is required for an HTTP or SSE server', 'url');
    let url: URL;
    try {
      url = new URL(e.url);
    } catch {
      return fail(`"${e.url}" is not a valid URL`, 'url');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('must start with http:// or https://', 'url');
  }

  const headers: Record<string, string> = { ...(e.headers ?? {}) };
  const apiKey = e.api_key ?? e.apiKey;
  if (apiKey && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers.Authorization = `Bearer ${apiKey}`;

  return {
    def: {
      name,
      transport,
      command: transport === 'stdio' ? e.command : undefined,
      args: transport === 'stdio' ? (e.args ?? []) : [],
      env: e.env ?? {},
      cwd: e.cwd,
      url: transport === 'stdio' ? undefined : e.url,
      headers: transport === 'stdio' ? {} : headers,
      timeoutMs: (e.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
      disabled: e.disabled ?? false,
      oauth: e.oauth,
      ...(e.sampling ? { sampling: e.sampling } : {}),
      source,
    },
  };
}

const VAR_RE = /\$\{(env:([A-Za-z_][A-Za-z0-9_]*)|workspaceFolder|userHome|input:([A-Za-z0-9_.-]+)|pathSeparator)\}/g;

/** Substitutes `${env:NAME}`, `${workspaceFolder}`, `${userHome}`, `${input:ID}` in every string. */
export function substitute(text: string, ctx: SubstitutionContext): string {
  return text.replace(VAR_RE, (whole, _kind: string, envName: string | undefined, inputId: string | undefined) => {
    if (envName !== undefined) return (ctx.env ?? process.env)[envName] ?? '';
    if (inputId !== undefined) {
      const value = ctx.input?.(inputId);
      if (value === undefined) throw new Error(`needs the input "${inputId}", which has no value here`);
      return value;
    }
    if (whole === '${workspaceFolder}') {
      if (!ctx.workspaceFolder) throw new Error('uses ${workspaceFolder}, but no workspace folder is open');
      return ctx.workspaceFolder;
    }
    if (whole === '${pathSeparator}') return process.platform === 'win32' ? '\\' : '/';
    return ctx.userHome ?? process.env.HOME ?? process.env.USERPROFILE ?? '';
  });
}

function substituteDeep<T>(value: T, ctx: SubstitutionContext): T {
  if (typeof value === 'string') return substitute(value, ctx) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => substituteDeep(v, ctx)) as T;
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteDeep(v, ctx);
    return out as T;
  }
  return value;
}

/** A stable hash of everything that affects how a server runs; a changed hash means restart (and, later, re-trust). */
export function definitionHash(def: ServerDefinition): string {
  const { source: _source, ...rest } = def;
  return createHash('sha256').update(stableStringify(rest)).digest('hex').slice(0, 16);
}

export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An ad-hoc server from `--url`: the name is derived from the host. */
export function definitionFromUrl(url: string, name?: string): ServerDefinition | ConfigIssue {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { source: '--url', field: 'url', message: `"${url}" is not a valid URL` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { source: '--url', field: 'url', message: 'must start with http:// or https://' };
  return {
    name: name ?? 'url',
    transport: 'auto',
    args: [],
    env: {},
    url,
    headers: {},
    timeoutMs: DEFAULT_TIMEOUT_SECONDS * 1000,
    disabled: false,
    source: '--url',
  };
}
