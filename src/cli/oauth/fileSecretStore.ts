/**
 * The CLI's SecretStore: one JSON file readable only by the user (mode 0600, in a 0700 directory) under the data dir,
 * `$MCP_AGENT_DATA_DIR/oauth/credentials.json` by default. Every change is a read-modify-write under a lock file and
 * lands with an atomic rename, so concurrent `mcp-agent` processes neither tear the file nor lose each other's
 * entries. Values are never logged; messages name keys at most.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger, SecretStore } from '../../core/ports';
import { silentLogger } from '../../core/ports';
import { writeFileAtomic } from '../../core/util/atomicWrite';
import { resolveDataDir } from '../../core/util/paths';

interface StoreFile {
  version: 1;
  entries: Record<string, string>;
}

const LOCK_WAIT_MS = 10_000;
const LOCK_STALE_MS = 30_000;
const LOCK_POLL_MS = 25;

/** `<data dir>/oauth/credentials.json` (see resolveDataDir: MCP_AGENT_DATA_DIR, XDG_DATA_HOME, ...). */
export function defaultCredentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(resolveDataDir({ env }), 'oauth', 'credentials.json');
}

export class FileSecretStore implements SecretStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string = defaultCredentialsFile(),
    private readonly logger: Logger = silentLogger,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.read()).entries[key];
  }

  async set(key: string, value: string): Promise<void> {
    await this.change((entries) => {
      entries[key] = value;
    });
  }

  async delete(key: string): Promise<void> {
    await this.change((entries) => {
      delete entries[key];
    });
  }

  /** Keys stored, e.g. to sign out of every client of a server. */
  async keys(): Promise<string[]> {
    return Object.keys((await this.read()).entries);
  }

  private async read(): Promise<StoreFile> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, entries: {} };
      throw err;
    }
    await this.tightenMode();
    return parse(text) ?? (this.logger.warn(`[oauth] ${this.file} is not a valid credentials file; ignoring it`), { version: 1, entries: {} });
  }

  /** One change at a time in this process, and under the lock file between processes. */
  private change(fn: (entries: Record<string, string>) => void): Promise<void> {
    const run = this.queue.then(() => this.locked(async () => {
      const current = await this.read();
      fn(current.entries);
      const data: StoreFile = { version: 1, entries: current.entries };
      await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    }));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async locked(fn: () => Promise<void>): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const lock = `${this.file}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const h = await fs.open(lock, 'wx', 0o600);
        await h.writeFile(String(process.pid));
        await h.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const age = await fs.stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > LOCK_STALE_MS) {
          await fs.unlink(lock).catch(() => undefined);
          continue;
        }
        if (Date.now() > deadline) throw new Error(`the credentials file is locked (${lock}); remove the lock file if no mcp-agent is running`);
        await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
      }
    }
    try {
      await fn();
    } finally {
      await fs.unlink(lock).catch(() => undefined);
    }
  }

  /** A credentials file someone made readable by others is put back to 0600. */
  private async tightenMode(): Promise<void> {
    if (process.platform === 'win32') return;
    const st = await fs.stat(this.file).catch(() => undefined);
    if (st && (st.mode & 0o077) !== 0) {
      await fs.chmod(this.file, 0o600).catch(() => undefined);
      this.logger.warn(`[oauth] ${this.file} was readable by other users; its mode is now 0600`);
    }
  }
}

function parse(text: string): StoreFile | undefined {
  try {
    const data = JSON.parse(text) as unknown;
    if (typeof data !== 'object' || data === null) return undefined;
    const entries = (data as { entries?: unknown }).entries;
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(entries)) if (typeof v === 'string') out[k] = v;
    return { version: 1, entries: out };
  } catch {
    return undefined;
  }
}
