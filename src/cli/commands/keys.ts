/**
 * `mcp-agent keys add NAME | list | remove NAME [--file F]`: the API keys of `mcp-agent serve --keys F` (../keys.ts).
 * A new key is printed once, on stdout; the file keeps only its SHA-256.
 */
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { CliError, EXIT } from '../context';
import { printTable } from '../format';
import { hashKey, KeysFileError, newKey, readKeysFile, USER_NAME_RE, writeKeysFile, type KeyEntry } from '../keys';

export interface KeysOptions {
  file?: string;
  json: boolean;
  /** remove: only the key whose hash starts with this (as `keys list` shows it), for rotation. */
  hash?: string;
}

/** The keys file: --file, else MCP_AGENT_KEYS_FILE. */
export function keysFileOf(file: string | undefined): string | undefined {
  const f = file ?? process.env.MCP_AGENT_KEYS_FILE;
  return f ? path.resolve(f) : undefined;
}

export async function runKeys(opts: KeysOptions, sub: string | undefined, name: string | undefined): Promise<number> {
  const file = keysFileOf(opts.file);
  if (!file) throw new CliError('name the keys file: --file FILE (or set MCP_AGENT_KEYS_FILE)', EXIT.usage);
  let entries: KeyEntry[];
  try {
    entries = await readKeysFile(file);
  } catch (err) {
    if (err instanceof KeysFileError) throw new CliError(`${err.message}; fix or move it first`, EXIT.usage);
    throw err;
  }
  switch (sub) {
    case 'add': {
      if (!name || !USER_NAME_RE.test(name)) throw new CliError('keys add needs a NAME: 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit', EXIT.usage);
      const key = newKey();
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await writeKeysFile(file, [...entries, { name, sha256: hashKey(key), created: new Date().toISOString() }]);
      if (opts.json) process.stdout.write(`${JSON.stringify({ name, key, file })}\n`);
      else {
        process.stdout.write(`${key}\n`);
        process.stderr.write(`mcp-agent: a new key for "${name}" is in ${file} (only its hash); the key above is shown once: give it to ${name} now\n`);
      }
      return EXIT.ok;
    }
    case 'remove': {
      if (!name) throw new CliError('keys remove needs the NAME whose keys to remove', EXIT.usage);
      const prefix = opts.hash?.toLowerCase();
      if (prefix !== undefined && !/^[0-9a-f]{6,64}$/.test(prefix)) throw new CliError('--hash takes the start of a key\'s hash as `keys list` shows it (at least 6 hex digits)', EXIT.usage);
      const kept = entries.filter((e) => e.name !== name || (prefix !== undefined && !e.sha256.startsWith(prefix)));
      if (kept.length === entries.length) throw new CliError(`no key named "${name}"${prefix ? ` with hash ${prefix}…` : ''} in ${file}`, EXIT.usage);
      await writeKeysFile(file, kept);
      process.stderr.write(`mcp-agent: removed ${entries.length - kept.length} key(s) of "${name}"; a running serve stops accepting them with its next request\n`);
      return EXIT.ok;
    }
    case 'list':
    case undefined: {
      if (name) throw new CliError('keys list takes no NAME', EXIT.usage);
      const rows = entries.map((e) => ({ name: e.name, created: e.created ?? null, sha256: e.sha256.slice(0, 12) }));
      if (opts.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else if (rows.length === 0) process.stdout.write(`No keys in ${file} yet: mcp-agent keys add NAME --file ${file}\n`);
      else printTable(['NAME', 'CREATED', 'HASH'], rows.map((r) => [r.name, r.created ?? '', `${r.sha256}…`]));
      return EXIT.ok;
    }
    default:
      throw new CliError(`unknown keys subcommand "${sub}": use add NAME, list or remove NAME`, EXIT.usage);
  }
}
