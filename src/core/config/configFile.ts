/**
 * Reads config files (YAML, JSON or JSON with comments) and gathers what they define: MCP servers in any of the
 * three formats, plus the optional `llm`, `tools`, `cache` and `store` sections that the agent reads.
 */
import { readFile, access } from 'node:fs/promises';
import * as path from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { YAMLParseError, parse as parseYaml } from 'yaml';
import { isObject, parseServerDefinitions, type ConfigIssue, type ServerDefinition, type SubstitutionContext } from '../mcp/serverConfig';

/** A file that cannot be read or parsed at all. The CLI exits 2 with this message; no stack trace. */
export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    detail: string,
  ) {
    super(line ? `${file}:${line}: ${detail}` : `${file}: ${detail}`);
    this.name = 'ConfigFileError';
  }
}

export interface LoadedConfig {
  files: string[];
  servers: ServerDefinition[];
  issues: ConfigIssue[];
  /** Raw sections, validated by the parts that own them. The first file that has a section wins. */
  llm?: Record<string, unknown>;
  tools?: Record<string, unknown>;
  cache?: Record<string, unknown>;
  store?: Record<string, unknown>;
  /** The user's instructions for the agent (a string). */
  instructions?: string;
}

/** Looked for in this order in the working directory when no `--config` is given; the first that exists is used. */
export const DISCOVERED_FILES = ['config.yaml', '.vscode/mcp.json', '.mcp.json', 'mcp.json'];

export async function discoverConfigFile(dir: string): Promise<string | undefined> {
  for (const name of DISCOVERED_FILES) {
    const candidate = path.join(dir, name);
    try {
      await access(candidate);
      return candidate;
    } catch {
      // not there; try the next
    }
  }
  return undefined;
}

/** Parses file text as JSON (comments and trailing commas allowed) or YAML, reporting the line of the first error. */
export function parseConfigText(text: string, file: string): unknown {
  const trimmed = text.trimStart();
  const looksJson = /\.jsonc?$/i.test(file) || trimmed.startsWith('{');
  if (looksJson) {
    const errors: ParseError[] = [];
    const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
    if (errors.length > 0) {
      const first = errors[0];
      throw new ConfigFileError(file, lineOf(text, first.offset), `invalid JSON (${describeJsonError(printParseErrorCode(first.error))})`);
    }
    return value;
  }
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: false });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const line = err.linePos?.[0]?.line;
      const detail = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigFileError(file, line, `invalid YAML (${detail})`);
    }
    throw new ConfigFileError(file, undefined, `invalid YAML (${(err as Error).message})`);
  }
}

export async function loadConfigFiles(files: string[], ctx: SubstitutionContext = {}): Promise<LoadedConfig> {
  const out: LoadedConfig = { files, servers: [], issues: [] };
  const names = new Set<string>();
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ConfigFileError(file, undefined, code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? (err as Error).message})`);
    }
    const doc = text.trim() === '' ? {} : parseConfigText(text, file);
    if (!isObject(doc)) throw new ConfigFileError(file, undefined, 'expected a mapping at the top level');

    const hasServers = 'servers' in doc || 'mcpServers' in doc || 'mcp_servers' in doc;
    if (hasServers) {
      const { servers, issues } = parseServerDefinitions(doc, file, ctx);
      out.issues.push(...issues);
      for (const s of servers) {
        if (names.has(s.name)) {
          out.issues.push({ source: file, server: s.name, message: 'is already defined by an earlier file; this definition is ignored' });
          continue;
        }
        names.add(s.name);
        out.servers.push(s);
      }
    }
    if (doc.instructions !== undefined && doc.instructions !== null && out.instructions === undefined) {
      if (typeof doc.instructions !== 'string') out.issues.push({ source: file, field: 'instructions', message: 'must be a string' });
      else out.instructions = doc.instructions;
    }
    for (const section of ['llm', 'tools', 'cache', 'store'] as const) {
      const value = doc[section];
      if (value === undefined || value === null || out[section]) continue;
      if (!isObject(value)) out.issues.push({ source: file, field: section, message: 'must be a mapping' });
      else out[section] = value;
    }
  }
  return out;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.server ? `server "${issue.server}"` : issue.source;
  const field = issue.field ? ` ${issue.field}` : '';
  return issue.server ? `${issue.source}: ${where}${field}: ${issue.message}` : `${where}:${field ? field + ':' : ''} ${issue.message}`;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function describeJsonError(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
