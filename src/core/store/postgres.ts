/**
 * Conversations in PostgreSQL, for several `serve` instances sharing them (`store.url: postgres://…`).
 *
 * Layout: one row per conversation (its summary, kept current, so list() never reads messages) and one row per
 * message (`seq` 0, 1, 2, … within its conversation). An append is an INSERT of the new rows in a transaction that
 * first locks the conversation's row (SELECT … FOR UPDATE): appends from any number of processes to one conversation
 * run one after another, each whole, none lost. Images (base64 in user and tool messages) are stored once in their
 * own table, keyed by the sha256 of their bytes, and messages keep a reference (`{mimeType, sha256}`) that load()
 * replaces with the data again. Images are never removed (a deleted conversation's images stay, unreferenced).
 *
 * Message bodies are `json`, not `jsonb`: tool output can hold NUL characters, which jsonb refuses.
 *
 * The schema is created and migrated on first use (MIGRATIONS, in order, recorded in conversation_schema), in one
 * transaction under an advisory lock, so instances starting together migrate once. A database whose schema is newer
 * than this program's is refused rather than guessed at.
 */
import { createHash } from 'node:crypto';
import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import type { ChatMessage } from '../llm/types';
import { silentLogger, type Logger } from '../ports';
import { checkConversationId, DEFAULT_TITLE, newConversationId, parseMessage, validateForWrite, validateMessages } from './schema';
import { ConversationError, parseCursor, type Conversation, type ConversationInit, type ConversationStore, type ConversationSummary, type ListQuery } from './types';
import { storeUrlPassword } from './url';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** The schema's history, oldest first. Never edit a released step: add one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'conversations and their messages, one row each',
    sql: `
      CREATE TABLE conversations (
        id text COLLATE "C" PRIMARY KEY,
        title text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        model text,
        meta json,
        message_count integer NOT NULL DEFAULT 0
      );
      CREATE TABLE conversation_messages (
        conversation_id text COLLATE "C" NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        body json NOT NULL,
        PRIMARY KEY (conversation_id, seq)
      );
      CREATE INDEX conversations_recent ON conversations (updated_at DESC, id);`,
  },
  {
    version: 2,
    description: "conversations belong to a user; each user's listed by an index",
    sql: `
      ALTER TABLE conversations ADD COLUMN owner text;
      CREATE INDEX conversations_owner_recent ON conversations (owner, updated_at DESC, id);`,
  },
  {
    version: 3,
    description: 'images stored once, by the sha256 of their bytes',
    sql: `
      CREATE TABLE conversation_images (
        sha256 text COLLATE "C" PRIMARY KEY,
        data bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Where the applied versions are recorded. */
const VERSION_TABLE = 'conversation_schema';
/** pg_advisory_xact_lock key for migrations: any constant; "mcpa" in ASCII. */
const MIGRATION_LOCK = 0x6d637061;

export interface PostgresConversationsOptions {
  /** `postgres://user:password@host:port/database` (libpq-style query parameters such as `sslmode` work too). */
  url: string;
  logger?: Logger;
  /** Clock in epoch ms (default Date.now). */
  now?: () => number;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** How long to wait for a connection before saying the database cannot be reached (default 10 s). */
  connectTimeoutMs?: number;
}

interface ConversationRow extends QueryResultRow {
  id: string;
  title: string;
  created_at: Date;
  updated_at: Date;
  model: string | null;
  owner: string | null;
  meta: Record<string, unknown> | null;
  message_count: number;
}

/** A stored image reference: what a message's `images` entry becomes in its row. */
interface ImageRef {
  mimeType: string;
  sha256: string;
}

const SUMMARY_COLUMNS = 'id, title, created_at, updated_at, model, owner, message_count';
/** A conversation and its messages in one statement, so one snapshot: an append committing between two reads cannot show a torn conversation. */
const LOAD_SQL = `
  SELECT c.id, c.title, c.created_at, c.updated_at, c.model, c.owner, c.meta, c.message_count,
    (SELECT coalesce(json_agg(json_build_array(m.seq, m.body) ORDER BY m.seq), '[]'::json)
       FROM conversation_messages m WHERE m.conversation_id = c.id) AS messages
  FROM conversations c WHERE c.id = $1`;
const INSERT_MESSAGES_SQL = `
  INSERT INTO conversation_messages (conversation_id, seq, body)
  SELECT $1, $2::integer + (t.ord - 1)::integer, t.m FROM json_array_elements($3::json) WITH ORDINALITY AS t(m, ord)`;

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The error code of a pg or socket error (an AggregateError of several addresses: its first one's). */
function errCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  if ('code' in err && typeof err.code === 'string') return err.code;
  if (err instanceof AggregateError) return errCode(err.errors[0]);
  return undefined;
}

/** Failures of the connection itself (not of a statement): the database is down, refuses, or is not there. */
function isConnectionFailure(err: unknown): boolean {
  const code = errCode(err);
  if (code && /^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ENOTFOUND, ETIMEDOUT, ECONNRESET, …
  // SQLSTATE classes 08 (connection), 28 (authorization), 3D (no such database), 57P (shutting down).
  if (code && /^(08|28|3D|57P)/.test(code)) return true;
  return /timeout expired|Connection terminated|connection timeout/i.test(errMessage(err));
}

export class PostgresConversations implements ConversationStore {
  /** `host:port`, for messages (never the password). */
  readonly where: string;
  private readonly pool: Pool;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly password?: string;
  private ready?: Promise<void>;
  private closed = false;

  constructor(opts: PostgresConversationsOptions) {
    this.logger = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.password = storeUrlPassword(opts.url);
    let host = 'localhost';
    let port = '5432';
    try {
      const u = new URL(opts.url);
      host = u.hostname || u.searchParams.get('host') || host;
      port = u.port || port;
    } catch {
      // pg reports the bad URL itself on connect
    }
    this.where = `${host}:${port}`;
    this.pool = new Pool({ connectionString: opts.url, max: opts.poolSize ?? 10, connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000 });
    // An idle connection that breaks (the server restarted) must not crash the process: the next query reconnects.
    this.pool.on('error', (err) => this.logger.warn(`PostgreSQL at ${this.where}: an idle connection failed: ${this.clean(errMessage(err))}`));
  }

  /** Creates or migrates the schema (once; retried after a failure). Every operation waits for it. */
  open(): Promise<void> {
    const p = (this.ready ??= this.migrate());
    p.catch(() => {
      if (this.ready === p) this.ready = undefined;
    });
    return p;
  }

  /** The schema's version in the database, once opened (so migrated): SCHEMA_VERSION. */
  schemaVersion(): Promise<number> {
    return this.run('', 'read the schema version', (c) => readVersion(c));
  }

  /** Readiness: the schema is there and the database answers. */
  async check(): Promise<void> {
    await this.open();
    await this.run('', 'answer', (c) => c.query('SELECT 1'));
  }

  /** Every committed write is durable already. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
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
    await this.transaction(conv.id, `save conversation ${conv.id}`, async (c) => {
      await c.query(
        `INSERT INTO conversations (id, title, created_at, updated_at, model, owner, meta, message_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [conv.id, conv.title, conv.createdAt, conv.updatedAt, conv.model ?? null, conv.owner ?? null, conv.meta === undefined ? null : JSON.stringify(conv.meta), conv.messages.length],
      );
      await this.insertMessages(c, conv.id, 0, conv.messages);
    });
    return conv;
  }

  async load(id: string): Promise<Conversation> {
    checkConversationId(id);
    return this.run(id, `read conversation ${id}`, (c) => this.read(c, id));
  }

  async save(conv: Conversation): Promise<Conversation> {
    checkConversationId(conv.id);
    const next: Conversation = { ...conv, messages: [...conv.messages], updatedAt: this.timestamp() };
    validateForWrite(next);
    await this.transaction(conv.id, `save conversation ${conv.id}`, async (c) => {
      // The upsert locks the row: a concurrent append waits for the whole replacement.
      await c.query(
        `INSERT INTO conversations (id, title, created_at, updated_at, model, owner, meta, message_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
           model = EXCLUDED.model, owner = EXCLUDED.owner, meta = EXCLUDED.meta, message_count = EXCLUDED.message_count`,
        [next.id, next.title, next.createdAt, next.updatedAt, next.model ?? null, next.owner ?? null, next.meta === undefined ? null : JSON.stringify(next.meta), next.messages.length],
      );
      await c.query('DELETE FROM conversation_messages WHERE conversation_id = $1', [next.id]);
      await this.insertMessages(c, next.id, 0, next.messages);
    });
    return next;
  }

  async append(id: string, messages: ChatMessage[]): Promise<Conversation> {
    checkConversationId(id);
    validateMessages(id, messages);
    return this.transaction(id, `save conversation ${id}`, async (c) => {
      // The row lock serializes appends to one conversation across every process; the count says where to go on.
      const locked = await c.query<{ message_count: number }>('SELECT message_count FROM conversations WHERE id = $1 FOR UPDATE', [id]);
      if (locked.rowCount === 0) throw new ConversationError(`conversation ${id} not found`, 'not-found', id);
      const start = locked.rows[0].message_count;
      await this.insertMessages(c, id, start, messages);
      await c.query('UPDATE conversations SET message_count = $2, updated_at = $3 WHERE id = $1', [id, start + messages.length, this.timestamp()]);
      return this.read(c, id);
    });
  }

  async delete(id: string): Promise<boolean> {
    checkConversationId(id);
    const r = await this.run(id, `delete conversation ${id}`, (c) => c.query('DELETE FROM conversations WHERE id = $1', [id]));
    return (r.rowCount ?? 0) > 0;
  }

  /** Summaries in list() order, paged by the database (the owner index, then the cursor's position). */
  async list(query: ListQuery = {}): Promise<ConversationSummary[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.owner !== undefined) {
      params.push(query.owner);
      where.push(`owner = $${params.length}`);
    }
    if (query.after !== undefined) {
      const at = parseCursor(query.after);
      if (!at) throw new ConversationError('the page cursor is not valid; pass the "next" value of the previous page', 'invalid', '');
      params.push(at.updatedAt, at.id);
      where.push(`(updated_at < $${params.length - 1} OR (updated_at = $${params.length - 1} AND id > $${params.length}))`);
    }
    let sql = `SELECT ${SUMMARY_COLUMNS} FROM conversations${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, id`;
    if (query.limit !== undefined) {
      params.push(Math.max(0, Math.floor(query.limit)));
      sql += ` LIMIT $${params.length}`;
    }
    const r = await this.run('', 'list conversations', (c) => c.query<ConversationRow>(sql, params));
    return r.rows.map((row) => ({
      id: row.id,
      title: row.title,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      ...(row.model !== null ? { model: row.model } : {}),
      ...(row.owner !== null ? { owner: row.owner } : {}),
      messageCount: row.message_count,
    }));
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }

  /** The password out of any text (pg's messages should not carry it; this makes sure). */
  private clean(text: string): string {
    return this.password ? text.split(this.password).join('[redacted]') : text;
  }

  /** A pg or socket failure as a ConversationError with one line a person can act on. */
  private failure(err: unknown, id: string, doing: string): ConversationError {
    if (err instanceof ConversationError) return err;
    const code = errCode(err);
    const text = this.clean(errMessage(err) || code || 'unknown error');
    if (isConnectionFailure(err)) return new ConversationError(`cannot reach PostgreSQL at ${this.where}: ${code && !text.includes(code) ? `${code} (${text})` : text}`, 'io', id);
    return new ConversationError(`PostgreSQL at ${this.where} could not ${doing}: ${text}`, 'io', id);
  }

  private async connect(id: string, doing: string): Promise<PoolClient> {
    if (this.closed) throw new ConversationError('the conversation store is closed', 'io', id);
    try {
      return await this.pool.connect();
    } catch (err) {
      throw this.failure(err, id, doing);
    }
  }

  /** One client for `fn`, after the schema is ready; failures become ConversationErrors. */
  private async run<T>(id: string, doing: string, fn: (c: PoolClient) => Promise<T>): Promise<T> {
    await this.open();
    const client = await this.connect(id, doing);
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (err) {
      if (isConnectionFailure(err)) broken = err as Error;
      throw this.failure(err, id, doing);
    } finally {
      client.release(broken);
    }
  }

  private transaction<T>(id: string, doing: string, fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return this.run(id, doing, async (c) => {
      await c.query('BEGIN');
      try {
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  private async migrate(): Promise<void> {
    const client = await this.connect('', 'migrate the schema');
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      // One migrator at a time; the others wait here and then find nothing left to do.
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${VERSION_TABLE} (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const current = await readVersion(client);
      if (current > SCHEMA_VERSION) {
        throw new ConversationError(
          `the conversation schema in PostgreSQL at ${this.where} is version ${current}, newer than this mcp-agent knows (${SCHEMA_VERSION}); upgrade mcp-agent`,
          'io',
          '',
        );
      }
      for (const m of MIGRATIONS) {
        if (m.version <= current) continue;
        await client.query(m.sql);
        await client.query(`INSERT INTO ${VERSION_TABLE} (version, description) VALUES ($1, $2)`, [m.version, m.description]);
        this.logger.info(`PostgreSQL at ${this.where}: conversation schema migrated to version ${m.version} (${m.description})`);
      }
      await client.query('COMMIT');
    } catch (err) {
      if (isConnectionFailure(err)) broken = err as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.failure(err, '', 'migrate the conversation schema');
    } finally {
      client.release(broken);
    }
  }

  /** Rows for `messages` from position `start`, their images stored once and referenced. */
  private async insertMessages(c: PoolClient, id: string, start: number, messages: ChatMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const bodies: unknown[] = [];
    const images = new Map<string, Buffer>();
    for (const m of messages) {
      if ((m.role === 'user' || m.role === 'tool') && m.images?.length) {
        const refs: ImageRef[] = m.images.map((img) => {
          const bytes = Buffer.from(img.data, 'base64');
          const sha256 = createHash('sha256').update(bytes).digest('hex');
          images.set(sha256, bytes);
          return { mimeType: img.mimeType, sha256 };
        });
        bodies.push({ ...m, images: refs });
      } else bodies.push(m);
    }
    if (images.size > 0) {
      await c.query('INSERT INTO conversation_images (sha256, data) SELECT * FROM unnest($1::text[], $2::bytea[]) ON CONFLICT (sha256) DO NOTHING', [[...images.keys()], [...images.values()]]);
    }
    await c.query(INSERT_MESSAGES_SQL, [id, start, JSON.stringify(bodies)]);
  }

  private async read(c: PoolClient, id: string): Promise<Conversation> {
    const r = await c.query<ConversationRow & { messages: unknown }>(LOAD_SQL, [id]);
    if (r.rowCount === 0) throw new ConversationError(`conversation ${id} not found`, 'not-found', id);
    const row = r.rows[0];
    const corrupt = (why: string) => new ConversationError(`conversation ${id} is corrupt (PostgreSQL at ${this.where}): ${why}`, 'corrupt', id);
    const pairs = Array.isArray(row.messages) ? (row.messages as unknown[]) : [];
    const bodies: unknown[] = [];
    for (const [i, pair] of pairs.entries()) {
      const seq = Array.isArray(pair) ? (pair[0] as unknown) : undefined;
      if (seq !== i) throw corrupt(`message ${i} is missing`);
      bodies.push((pair as unknown[])[1]);
    }
    if (bodies.length !== row.message_count) throw corrupt(`${row.message_count} messages recorded, ${bodies.length} found`);
    const wanted = new Set<string>();
    for (const b of bodies) for (const ref of imageRefs(b)) wanted.add(ref.sha256);
    const data = new Map<string, string>();
    if (wanted.size > 0) {
      const imgs = await c.query<{ sha256: string; data: Buffer }>('SELECT sha256, data FROM conversation_images WHERE sha256 = ANY($1::text[])', [[...wanted]]);
      for (const img of imgs.rows) data.set(img.sha256, img.data.toString('base64'));
    }
    const messages: ChatMessage[] = [];
    for (const [i, body] of bodies.entries()) {
      let restored = body;
      const refs = imageRefs(body);
      if (refs.length) {
        const missing = refs.find((ref) => !data.has(ref.sha256));
        if (missing) throw corrupt(`messages.${i}: image ${missing.sha256} is missing`);
        restored = { ...(body as object), images: refs.map((ref) => ({ mimeType: ref.mimeType, data: data.get(ref.sha256)! })) };
      }
      const parsed = parseMessage(restored);
      if ('problem' in parsed) throw corrupt(`messages.${i}.${parsed.problem}`);
      messages.push(parsed.message);
    }
    return {
      id: row.id,
      title: row.title,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      ...(row.model !== null ? { model: row.model } : {}),
      ...(row.owner !== null ? { owner: row.owner } : {}),
      messages,
      ...(row.meta !== null ? { meta: row.meta } : {}),
    };
  }
}

/** The image references of a stored message body (entries with a sha256 and no data). */
function imageRefs(body: unknown): ImageRef[] {
  if (typeof body !== 'object' || body === null || !('images' in body) || !Array.isArray(body.images)) return [];
  return (body.images as unknown[]).filter(
    (x): x is ImageRef => typeof x === 'object' && x !== null && 'sha256' in x && typeof x.sha256 === 'string' && 'mimeType' in x && typeof x.mimeType === 'string' && !('data' in x),
  );
}

async function readVersion(c: PoolClient): Promise<number> {
  const exists = await c.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [VERSION_TABLE]);
  if (!exists.rows[0]?.t) return 0;
  const r = await c.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${VERSION_TABLE}`);
  return r.rows[0]?.v ?? 0;
}
