/**
 * API keys for `mcp-agent serve`, each named for a user: a JSON file of names and SHA-256 hashes, never the keys.
 *
 *   {"keys": [{"name": "alice", "sha256": "<64 hex>", "created": "2026-12-03T10:00:00.000Z"}]}
 *
 * A key is 32 random bytes (256 bits), so a fast hash is enough: a slow one (scrypt, argon2) protects guessable
 * passwords, and nothing guesses a 256-bit random value from its SHA-256; it also lets every request be checked in
 * microseconds. One user may hold several keys (rotation).
 *
 * The file is re-read when it changes (one stat per request, no watcher to lose on an atomic rename). An edit that
 * does not parse, or a file that went missing, keeps the last good set and logs one warning per broken version.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs, statSync, readFileSync, type Stats } from 'node:fs';
import { z } from 'zod';
import type { Logger } from '../core/ports';
import { writeFileAtomic } from '../core/util/atomicWrite';

/** User names: what logs, metrics and conversation owners show. */
export const USER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** Keys this module makes start with this, so they are recognizable in a leak scanner or a log. */
export const KEY_PREFIX = 'mcpa_';

const entrySchema = z.object({
  name: z.string().regex(USER_NAME_RE, 'a name is 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits'),
  created: z.string().optional(),
});
const fileSchema = z.object({ keys: z.array(entrySchema) });

export type KeyEntry = z.infer<typeof entrySchema>;

export class KeysFileError extends Error {}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A fresh key: the prefix and 32 random bytes, url-safe base64. */
export function newKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** The entries of a keys file's text; throws KeysFileError naming what to fix. */
export function parseKeys(text: string, file: string): KeyEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new KeysFileError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KeysFileError(`${file}: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message} (expected {"keys": [{"name", "sha256"}]})`);
  }
  const seen = new Set<string>();
  for (const k of parsed.data.keys) {
    if (seen.has(k.sha256)) throw new KeysFileError(`${file}: the same key hash appears twice (${k.name})`);
    seen.add(k.sha256);
  }
  return parsed.data.keys;
}

/** The entries of `file`, or [] when it does not exist yet. */
export async function readKeysFile(file: string): Promise<KeyEntry[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new KeysFileError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseKeys(text, file);
}

/** Replaces the file with `entries`, atomically, 0600. */
export async function writeKeysFile(file: string, entries: KeyEntry[]): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify({ keys: entries }, null, 2)}\n`, { mode: 0o600 });
}

interface Loaded {
  hashes: Array<{ name: string; hash: Buffer }>;
  /** What the file was when read: a different stat means re-read. */
  stamp: string;
}

function stampOf(st: Stats): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** The users of a keys file, kept current. */
export class KeyRing {
  private loaded: Loaded;
  private reloading: Promise<void> | undefined;
  /** The stamp of a broken version already warned about. */
  private warned = '';

  /** Reads `file` now: a file that is missing or broken at start is an error (KeysFileError). */
  constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {
    let st: Stats;
    try {
      st = statSync(file);
    } catch (err) {
      throw new KeysFileError(`cannot read the keys file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist (make one with: mcp-agent keys add NAME --file FILE)' : (err as Error).message}`);
    }
    this.loaded = { hashes: toHashes(parseKeys(readFileSync(file, 'utf8'), file)), stamp: stampOf(st) };
    // Whoever can write the file can give themselves a key.
    if (process.platform !== 'win32' && (st.mode & 0o022) !== 0) logger.warn(`the keys file ${file} can be written by other users (mode ${(st.mode & 0o777).toString(8)}): chmod 600 it`);
  }

  get size(): number {
    return this.loaded.hashes.length;
  }

  /** The user `key` belongs to, or undefined. Every entry is compared (in constant time), whichever matches. */
  async userOf(key: string): Promise<string | undefined> {
    await this.refresh();
    const hash = createHash('sha256').update(key, 'utf8').digest();
    let user: string | undefined;
    for (const e of this.loaded.hashes) if (timingSafeEqual(e.hash, hash) && user === undefined) user = e.name;
    return user;
  }

  /** Re-reads the file when its stat changed; concurrent callers share one read. */
  private refresh(): Promise<void> {
    this.reloading ??= this.reload().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async reload(): Promise<void> {
    let stamp: string;
    try {
      stamp = stampOf(await fs.stat(this.file));
    } catch (err) {
      this.warnOnce('missing', `the keys file ${this.file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the last good set of ${this.size} keys stays in use`);
      return;
    }
    if (stamp === this.loaded.stamp) return;
    try {
      const entries = parseKeys(await fs.readFile(this.file, 'utf8'), this.file);
      this.loaded = { hashes: toHashes(entries), stamp };
      this.warned = '';
      this.logger.info(`keys file ${this.file} re-read: ${entries.length} keys`);
    } catch (err) {
      this.warnOnce(stamp, `${(err as Error).message}; the last good set of ${this.size} keys stays in use until the file is fixed`);
    }
  }

  private warnOnce(stamp: string, message: string): void {
    if (this.warned === stamp) return;
    this.warned = stamp;
    this.logger.warn(message);
  }
}

function toHashes(entries: KeyEntry[]): Loaded['hashes'] {
  return entries.map((e) => ({ name: e.name, hash: Buffer.from(e.sha256, 'hex') }));
}
