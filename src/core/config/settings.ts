/**
 * The agent's settings, declared once with their defaults. Every front maps its own source into this shape: the CLI
 * from its config file's `llm`, `tools`, `cache` and `store` sections (and MCP_AGENT_STORE_URL), VS Code from
 * `mcpAgent.*` (src/vscode/config.ts). A unit test checks that package.json's `contributes.configuration` defaults equal the ones here.
 *
 * The `llm` section stays without defaults: its values are layered over `.env` and the environment
 * (src/core/llm/config.ts), and a default here would hide them.
 */
import { z } from 'zod';
import { llmSectionSchema } from '../llm/config';
import { storeUrlProblem } from '../store/url';

/** Numbers the rest of the code reads from here rather than repeating. */
export const LIMITS = {
  /** Characters of one tool result sent to the model, head and tail kept. */
  maxResultChars: 32_000,
  /** Characters of attached resources in one message. */
  resourceChars: 32_000,
  maxRounds: 25,
  maxParallelTools: 16,
  /** OpenAI rejects requests with more tools than this; VS Code has the same cap. */
  maxTools: 128,
  commandTimeoutSeconds: 120,
  /** How long cached read-only tool results live. */
  cacheTtlSeconds: 300,
  /** Tool lists and code analyses: long-lived, replaced when the server (or the file) changes. */
  longTtlSeconds: 7 * 24 * 3600,
} as const;

export const toolsSettingsSchema = z.strictObject({
  maxResultChars: z.number().int().min(1000).max(1_000_000).default(LIMITS.maxResultChars),
  maxRounds: z.number().int().min(1).max(200).default(LIMITS.maxRounds),
  maxParallel: z.number().int().min(1).max(64).default(LIMITS.maxParallelTools),
  commandTimeoutSeconds: z.number().positive().max(24 * 3600).default(LIMITS.commandTimeoutSeconds),
  /** Snapshot the workspace (a shadow git repository) before each turn's first change, so turns can be undone. */
  checkpoints: z.boolean().default(true),
  /** Tools never offered or run: `server__tool`, `server__*`, or a built-in's name. */
  disabled: z.array(z.string().min(1)).default([]),
  approval: z
    .strictObject({
      /** Command prefixes that run without asking (`git status`, `npm test`). */
      allowCommands: z.array(z.string().min(1)).default([]),
      /** Command prefixes that never run. */
      denyCommands: z.array(z.string().min(1)).default([]),
      /** edit_file / write_file inside the workspace run without asking; never the protected configuration files. */
      autoApproveEdits: z.boolean().default(false),
    })
    .prefault({}),
});

export const cacheSettingsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  ttlSeconds: z.number().min(0).default(LIMITS.cacheTtlSeconds),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  /** The file tier's directory; the front's default (globalStorage, the XDG cache) when unset. */
  dir: z.string().optional(),
});

export const storeSettingsSchema = z.strictObject({
  /** `postgres://user:password@host:port/db`: conversations in PostgreSQL (for several `serve` instances). Unset: files. */
  url: z
    .string()
    .optional()
    .superRefine((url, ctx) => {
      const problem = url === undefined ? undefined : storeUrlProblem(url);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
});

export const settingsSchema = z.object({
  /** The user's own instructions for the agent, added to its system prompt (capped at 8 KB). */
  instructions: z.string().max(100_000).default(''),
  llm: llmSectionSchema.prefault({}),
  tools: toolsSettingsSchema.prefault({}),
  cache: cacheSettingsSchema.prefault({}),
  store: storeSettingsSchema.prefault({}),
});

export type Settings = z.output<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;
export type ToolsSettings = Settings['tools'];
export type CacheSettings = Settings['cache'];
export type StoreSettings = Settings['store'];

/** A setting that cannot be used; the message names the file (or settings scope) and the field. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

/**
 * Validates raw sections (from a config file or the editor's settings) and fills in the defaults. `where` names the
 * source in messages: a file path, or "settings".
 */
export function parseSettings(raw: { instructions?: unknown; llm?: unknown; tools?: unknown; cache?: unknown; store?: unknown }, where = 'settings'): Settings {
  const parsed = settingsSchema.safeParse({ instructions: raw.instructions ?? '', llm: raw.llm ?? {}, tools: raw.tools ?? {}, cache: raw.cache ?? {}, store: raw.store ?? {} });
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  const field = first.path.map(String).join('.');
  const message = first.code === 'unrecognized_keys' ? `unknown key ${first.keys.map((k) => `"${k}"`).join(', ')}` : first.message;
  throw new SettingsError(`${where}: ${field}: ${message}`);
}

/** The defaults, for tests and for fronts that show them. */
export function defaultSettings(): Settings {
  return parseSettings({});
}

/** A setting's value by its dotted path (`tools.approval.allowCommands`), for the fronts' mapping tables. */
export function settingAt(settings: Settings, dotted: string): unknown {
  let v: unknown = settings;
  for (const part of dotted.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}
