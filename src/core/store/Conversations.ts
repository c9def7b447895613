/**
 * Conversations on disk: one JSON file per conversation, `<dataDir>/conversations/<id>.json`, replaced atomically.
 *
 * File layout: the summary fields go on the first line and the messages after it, e.g.
 *   {"v":1,"id":"…","title":"…","createdAt":"…","updatedAt":"…","model":"…","messageCount":3,
 *   "meta":{…},"messages":[…]}
 * The whole file is ordinary JSON; the line break only lets `list()` read a small head of each file instead of every
 * message. A file without that head (e.g. hand-edited) is parsed in full instead.
 *
 * Durability: a write is whole and visible to every reader once its rename is done, which is before the answer that
 * produced it is sent, and flushed to the device within 50 ms (util/syncBatcher.ts) and at flush().
 *
 * Writes from one process are serialized per conversation; separate processes writing the same conversation are not
 * coordinated (the last atomic rename wins, no file is ever torn).
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { checkConversationId, DEFAULT_TITLE, isValidConversationId, newConversationId, recordSchema, summarySchema, validateForWrite, validateMessages } from './schema';
import type { ChatMessage } from '../llm/types';
import { applyQuery, compareSummaries, ConversationError, type Conversation, type ConversationInit, type ConversationStore, type ConversationSummary, type ListQuery } from './types';
import { silentLogger, type Logger } from '../ports';
import { isAtomicTempFile, SpareFile, writeFileAtomic } from '../util/atomicWrite';
import { withFileLock } from '../util/fileLock';
import { SyncBatcher } from '../util/syncBatcher';
import { resolveDataDir } from '../util/paths';

export interface ConversationsOptions {
  /** Default: `resolveDataDir()`. Files go to `<dataDir>/conversations/`. */
  dataDir?: string;
  logger?: Logger;
  /** Clock in epoch ms (default Date.now). */
  now?: () => number;
}

export { isValidConversationId, newConversationId };

/** How much of a file `list()` reads to find the summary line. */
const HEAD_BYTES = 16 * 1024;
const LIST_BATCH = 32;
/** A temp file this old belongs to no write in progress (writes take milliseconds; a spare is used within 10 minutes). */
const STALE_TEMP_MS = 60 * 60 * 1000;

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Serialize with the summary on line one (see the module comment). */
function encode(conv: Conversation): string {
  const head: Record<string, unknown> = {
    v: 1,
    id: conv.id,
    title: conv.title,
    createdAt: conv.createdAt,
    updatedAt: conv.updatedAt,
  };
  if (conv.model !== undefined) head.model = conv.model;
  if (conv.owner !== undefined) head.owner = conv.owner;
  head.messageCount = conv.messages.length;
  const headJson = JSON.stringify(head);
  const tail: Record<string, unknown> = {};
  if (conv.meta !== undefined) tail.meta = conv.meta;
  tail.messages = conv.messages;
  // headJson ends with '}' and tail JSON starts with '{': join them into one object across the line break.
  return `${headJson.slice(0, -1)},\n${JSON.stringify(tail).slice(1)}\n`;
}

export class Conversations implements ConversationStore {
  readonly dir: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  /** Tail of the per-id operation chain: writes to one conversation run one at a time. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly sync = new SyncBatcher();
  /** The next write's file, made ahead (see SpareFile): a turn's answer does not wait for a file to be created. */
  private readonly spare = new SpareFile();
  private dirReady = false;
  /** Corrupt files already warned about (path + size + mtime), so repeated list() calls do not repeat warnings. */
  private readonly warned = new Set<string>();

  constructor(opts: ConversationsOptions = {}) {
    this.dir = path.join(opts.dataDir ?? resolveDataDir(), 'conversations');
    this.logger = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
  }

  /** Every write so far is flushed to the device (call before exiting). */
  flush(): Promise<void> {
    return this.sync.flush();
  }

  /** The directory can be written (or made). */
  async check(): Promise<void> {
    try {
      await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      await fs.access(this.dir, fsConstants.W_OK);
    } catch (err) {
      throw new ConversationError(`cannot write conversations to ${this.dir}: ${errMessage(err)}`, 'io', '');
    }
  }

  close(): Promise<void> {
    this.spare.close();
    return this.flush();
  }

  async create(init: ConversationInit = {}): Promise<Conversation> {
    const at = this.timestamp();
    const conv: Conversation = {
      id: newConversationId(),
      title: init.title ?? DEFAULT_TITLE,
      createdAt: at,
      updatedAt: at,
      ...(init.model !== undefined ? { model: init.model } : {}),
      ...(init.owner !== undefined ? { owner: init.owner } : {}),
      messages: [...(init.messages ?? [])],
      ...(init.meta !== undefined ? { meta: init.meta } : {}),
    };
    validateForWrite(conv);
    await this.withLock(conv.id, () => this.write(conv));
    return conv;
  }

  /** The full conversation. Throws ConversationError: `invalid-id`, `not-found`, `corrupt` or `io`. */
  async load(id: string): Promise<Conversation> {
    this.checkId(id);
    return this.read(id);
  }

  /** Write `conv` (replacing any stored version, or creating it), stamping `updatedAt`. Returns what was written. */
  async save(conv: Conversation): Promise<Conversation> {
    this.checkId(conv.id);
    const next: Conversation = { ...conv, messages: [...conv.messages], updatedAt: this.timestamp() };
    validateForWrite(next);
    await this.exclusive(conv.id, () => this.write(next));
    return next;
  }

  /** Add messages to the end of a stored conversation. Concurrent appends to one id apply one after another. */
  async append(id: string, messages: ChatMessage[]): Promise<Conversation> {
    this.checkId(id);
    // Only the new messages need checking: the stored ones were validated by read().
    validateMessages(id, messages);
    // Read, change, write back: under the file's lock too, so another process's append in between is not lost.
    return this.exclusive(id, async () => {
      const conv = await this.read(id);
      const next: Conversation = { ...conv, messages: [...conv.messages, ...messages], updatedAt: this.timestamp() };
      await this.write(next);
      return next;
    });
  }

  /** True when a file was removed, false when there was none. */
  async delete(id: string): Promise<boolean> {
    this.checkId(id);
    return this.exclusive(id, async () => {
      try {
        await fs.unlink(this.file(id));
        return true;
      } catch (err) {
        if (errCode(err) === 'ENOENT') return false;
        throw new ConversationError(`cannot delete conversation ${id}: ${errMessage(err)}`, 'io', id);
      }
    });
  }

  /**
   * Summaries, most recently updated first. Reads only the head of each file; unreadable or corrupt files are
   * skipped with one warning each (per file version).
   */
  async list(query?: ListQuery): Promise<ConversationSummary[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if (errCode(err) === 'ENOENT') return applyQuery([], query);
      throw new ConversationError(`cannot read ${this.dir}: ${errMessage(err)}`, 'io', '');
    }
    const ids = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).filter(isValidConversationId);
    await this.reapTempFiles(names.filter(isAtomicTempFile));
    const out: ConversationSummary[] = [];
    // In batches: thousands of conversations must not mean thousands of open files (EMFILE).
    for (let i = 0; i < ids.length; i += LIST_BATCH) {
      const batch = await Promise.all(ids.slice(i, i + LIST_BATCH).map((id) => this.summarize(id)));
      for (const s of batch) if (s) out.push(s);
    }
    out.sort(compareSummaries);
    return applyQuery(out, query);
  }

  /** Temp files a crashed process left (a write cut short, an unused spare): removed once they are an hour old. */
  private async reapTempFiles(names: string[]): Promise<void> {
    const now = Date.now();
    for (const name of names) {
      const file = path.join(this.dir, name);
      try {
        if (now - (await fs.stat(file)).mtimeMs > STALE_TEMP_MS) await fs.unlink(file);
      } catch {
        // gone already, or not ours to remove: list() reads conversations, it does not fail on litter
      }
    }
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  private checkId(id: string): void {
    checkConversationId(id);
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }

  private async read(id: string): Promise<Conversation> {
    let text: string;
    try {
      text = await fs.readFile(this.file(id), 'utf8');
    } catch (err) {
      if (errCode(err) === 'ENOENT') throw new ConversationError(`conversation ${id} not found`, 'not-found', id);
      throw new ConversationError(`cannot read conversation ${id}: ${errMessage(err)}`, 'io', id);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new ConversationError(`conversation ${id} is corrupt (${this.file(id)}): ${errMessage(err)}`, 'corrupt', id);
    }
    const parsed = recordSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
      throw new ConversationError(`conversation ${id} is corrupt (${this.file(id)}): ${where}`, 'corrupt', id);
    }
    if (parsed.data.id !== id) {
      throw new ConversationError(`conversation ${id} is corrupt (${this.file(id)}): it names id ${parsed.data.id}`, 'corrupt', id);
    }
    const d = parsed.data;
    return {
      id: d.id,
      title: d.title,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      ...(d.model !== undefined ? { model: d.model } : {}),
      ...(d.owner !== undefined ? { owner: d.owner } : {}),
      messages: d.messages,
      ...(d.meta !== undefined ? { meta: d.meta } : {}),
    };
  }

  private async write(conv: Conversation): Promise<void> {
    try {
      await this.ensureDir();
      const file = this.file(conv.id);
      // Visible and whole once renamed; on the device within the batcher's window (see syncBatcher.ts).
      await writeFileAtomic(file, encode(conv), { fsync: false, syncLater: this.sync, spare: this.spare });
    } catch (err) {
      // The directory may have been removed under us: make it again on the next write.
      this.dirReady = false;
      throw new ConversationError(`cannot save conversation ${conv.id}: ${errMessage(err)}`, 'io', conv.id);
    }
  }

  /** Summary from the first line when it is there; otherwise a full parse. Undefined (and one warning) if unusable. */
  private async summarize(id: string): Promise<ConversationSummary | undefined> {
    const file = this.file(id);
    let handle: fs.FileHandle | undefined;
    let stamp = file;
    try {
      handle = await fs.open(file, 'r');
      const st = await handle.stat();
      stamp = `${file}:${st.size}:${st.mtimeMs}`;
      const buf = Buffer.alloc(Math.min(HEAD_BYTES, st.size));
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      const head = buf.subarray(0, bytesRead).toString('utf8');
      const nl = head.indexOf('\n');
      // The fast path also checks the file ends like one this store wrote, to catch truncation cheaply.
      if (nl > 0 && head[nl - 1] === ',' && (await endsWithClose(handle, st.size))) {
        const summary = parseHead(head.slice(0, nl - 1) + '}', id);
        if (summary) return summary;
      }
    } catch (err) {
      if (errCode(err) === 'ENOENT') return undefined; // deleted while listing
      this.warnCorrupt(stamp, `cannot read ${file}: ${errMessage(err)}`);
      return undefined;
    } finally {
      await handle?.close().catch(() => undefined);
    }
    try {
      const conv = await this.read(id);
      return {
        id: conv.id,
        title: conv.title,
        createdAt: conv.createdAt,
        updatedAt: conv.updatedAt,
        ...(conv.model !== undefined ? { model: conv.model } : {}),
        ...(conv.owner !== undefined ? { owner: conv.owner } : {}),
        messageCount: conv.messages.length,
      };
    } catch (err) {
      if (err instanceof ConversationError && err.kind === 'not-found') return undefined;
      this.warnCorrupt(stamp, `skipping conversation file: ${errMessage(err)}`);
      return undefined;
    }
  }

  private warnCorrupt(stamp: string, message: string): void {
    if (this.warned.has(stamp)) return;
    this.warned.add(stamp);
    this.logger.warn(message);
  }

  private async ensureDir(): Promise<void> {
    if (this.dirReady) return;
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.dirReady = true;
  }

  /**
   * One change to a stored conversation at a time: in this process (withLock) and across processes (the file's lock,
   * util/fileLock.ts). A lock that cannot be had is an `io` error.
   */
  private exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.withLock(id, () => this.underFileLock(id, fn));
  }

  private async underFileLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    let locked = false;
    try {
      await this.ensureDir();
      return await withFileLock(this.file(id), () => {
        locked = true;
        return fn();
      });
    } catch (err) {
      if (locked || err instanceof ConversationError) throw err;
      throw new ConversationError(`cannot change conversation ${id}: ${errMessage(err)}`, 'io', id);
    }
  }

  private withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    // The chain continues whether this step succeeds or fails; the caller still sees its own outcome.
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return run;
  }
}

function parseHead(line: string, id: string): ConversationSummary | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = summarySchema.safeParse(raw);
  if (!parsed.success || parsed.data.id !== id) return undefined;
  const d = parsed.data;
  return {
    id: d.id,
    title: d.title,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    ...(d.model !== undefined ? { model: d.model } : {}),
    ...(d.owner !== undefined ? { owner: d.owner } : {}),
    messageCount: d.messageCount,
  };
}

async function endsWithClose(handle: fs.FileHandle, size: number): Promise<boolean> {
  if (size < 3) return false;
  const tail = Buffer.alloc(3);
  const { bytesRead } = await handle.read(tail, 0, 3, size - 3);
  return tail.subarray(0, bytesRead).toString('latin1') === ']}\n';
}

export { ConversationError, type ConversationErrorKind, type Conversation, type ConversationInit, type ConversationStore, type ConversationSummary, type ListQuery } from './types';
