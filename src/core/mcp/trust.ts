/**
 * What a user trusts when they allow a server a workspace defines: the definition as the workspace wrote it, in
 * the folder it was found in. The fingerprint is taken before `${input:ID}` values are filled in (a secret the user
 * types is not part of what the workspace asks to run, and is never hashed), but after `${workspaceFolder}`,
 * `${userHome}` and `${env:NAME}`, so the same text in another folder, or pointing at another file, is a different
 * definition. Any change to the command, args, env (names or values), cwd, URL, headers or transport changes it.
 */
import { createHash } from 'node:crypto';
import { redact } from '../util/redact';
import { parseServerDefinitions, stableStringify, type ConfigIssue, type ServerDefinition, type SubstitutionContext } from './serverConfig';

/** Parses a document with every `${input:ID}` left as written: the form trust is decided on. */
export function parseAsWritten(doc: unknown, source: string, ctx: Omit<SubstitutionContext, 'input'>): { servers: ServerDefinition[]; issues: ConfigIssue[] } {
  return parseServerDefinitions(doc, source, { ...ctx, input: (id) => `\${input:${id}}` });
}

/** The `${input:ID}` ids a definition (as written) uses. */
export function inputsUsed(def: ServerDefinition): string[] {
  return [...new Set([...stableStringify(def).matchAll(/\$\{input:([A-Za-z0-9_.-]+)\}/g)].map((m) => m[1]))];
}

/**
 * Who receives a definition's `${input:ID}` values: the host of an HTTP/SSE server's URL, or `local` for a program
 * started here. Input values are remembered per receiver, so a value typed for one host is never sent to another
 * server's host just because it uses the same input id.
 */
export function inputReceiver(def: ServerDefinition): string {
  if (def.transport === 'stdio' || !def.url) return 'local';
  try {
    return new URL(def.url).host.toLowerCase() || 'unknown';
  } catch {
    // A URL built from inputs cannot be known before they are filled in; such values are kept apart from all others.
    return 'unknown';
  }
}

/**
 * The trust fingerprint of a definition as written (see parseAsWritten) found in `folder`. Timeout and `disabled`
 * are left out: they do not change what runs or where requests go.
 */
export function trustFingerprint(def: ServerDefinition, folder: string | undefined): string {
  const subject = {
    v: 1,
    folder: folder ?? null,
    name: def.name,
    transport: def.transport,
    command: def.command,
    args: def.args,
    env: def.env,
    cwd: def.cwd,
    url: def.url,
    headers: def.headers,
    oauth: def.oauth,
  };
  return createHash('sha256').update(stableStringify(subject)).digest('hex');
}

/** What the trust prompt shows: everything that decides what runs, with env and header values left out. */
export interface TrustSummary {
  name: string;
  source: string;
  transport: ServerDefinition['transport'];
  /** The command and its args, quoted the way a POSIX shell would read them. */
  commandLine?: string;
  cwd?: string;
  url?: string;
  envKeys: string[];
  headerKeys: string[];
  /**
   * Env and header values as the file wrote them, `${env:…}` and `${input:…}` references unexpanded (they are
   * references, not secrets; NODE_OPTIONS=--require … is exactly what a person must see), with literal secrets in
   * known formats masked. Only when the summary was given the definition as written (parseForDisplay).
   */
  env?: Array<[string, string]>;
  headers?: Array<[string, string]>;
}

/** Reads `${env:NAME}` as itself, so a definition parsed with it shows its references, not the values behind them. */
const UNEXPANDED_ENV: NodeJS.ProcessEnv = new Proxy({}, { get: (_target, key) => (typeof key === 'string' ? `\${env:${key}}` : undefined) });

/** Parses a document for showing: `${env:…}` and `${input:…}` stay as written (`${workspaceFolder}` is filled in). */
export function parseForDisplay(doc: unknown, source: string, ctx: Omit<SubstitutionContext, 'input' | 'env'>): Map<string, ServerDefinition> {
  const parsed = parseServerDefinitions(doc, source, { ...ctx, env: UNEXPANDED_ENV, input: (id) => `\${input:${id}}` });
  return new Map(parsed.servers.map((d) => [d.name, d]));
}

function shownValues(values: Record<string, string>): Array<[string, string]> {
  return Object.keys(values)
    .sort()
    .map((k) => [k, redact(values[k])]);
}

/** What the trust prompt shows; `shown` is the same definition from parseForDisplay, for its env and header values. */
export function trustSummary(def: ServerDefinition, shown?: ServerDefinition): TrustSummary {
  return {
    ...(shown ? { env: shownValues(shown.env), headers: shownValues(shown.headers) } : {}),
    name: def.name,
    source: def.source,
    transport: def.transport,
    commandLine: def.command !== undefined ? [def.command, ...def.args].map(quoteArg).join(' ') : undefined,
    cwd: def.cwd,
    url: def.url,
    envKeys: Object.keys(def.env).sort(),
    headerKeys: Object.keys(def.headers).sort(),
  };
}

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;
// Control characters, and the bidirectional and zero-width ones that make text read differently from what runs.
// eslint-disable-next-line no-control-regex
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

/** One argument as a shell would need it written; characters that hide or reorder text are shown escaped. */
export function quoteArg(arg: string): string {
  if (PLAIN.test(arg)) return arg;
  if (!HIDDEN.test(arg)) return `'${arg.replace(/'/g, `'\\''`)}'`;
  let out = '';
  for (const ch of arg) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (HIDDEN.test(ch)) out += code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `$'${out}'`;
}
