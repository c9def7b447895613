/** The config file's `tools` and `cache` sections (the `llm` section lives with the LLM service). */
import { z } from 'zod';

export const toolsSectionSchema = z.strictObject({
  /** Characters of one tool result sent to the model, head and tail kept. */
  maxResultChars: z.number().int().min(1000).max(1_000_000).optional(),
  /** Model rounds in one turn. */
  maxRounds: z.number().int().min(1).max(200).optional(),
  /** Tool calls of one model message run at once. */
  maxParallel: z.number().int().min(1).max(64).optional(),
  /** run_command's timeout. */
  commandTimeoutSeconds: z.number().positive().max(24 * 3600).optional(),
  approval: z
    .strictObject({
      allowCommands: z.array(z.string().min(1)).optional(),
      denyCommands: z.array(z.string().min(1)).optional(),
    })
    .optional(),
});
export type ToolsSection = z.infer<typeof toolsSectionSchema>;

export const cacheSectionSchema = z.strictObject({
  ttlSeconds: z.number().positive().optional(),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  dir: z.string().optional(),
  enabled: z.boolean().optional(),
});
export type CacheSection = z.infer<typeof cacheSectionSchema>;

/** Validates a raw section; the message names the file and the field. */
export function parseSection<S extends z.ZodType>(schema: S, raw: unknown, name: string, file: string): z.infer<S> {
  if (raw === undefined) return {} as z.infer<S>;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  const field = [name, ...first.path.map(String)].join('.');
  const message = first.code === 'unrecognized_keys' ? `unknown key ${first.keys.map((k) => `"${k}"`).join(', ')}` : first.message;
  throw new SectionError(`${file}: ${field}: ${message}`);
}

export class SectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SectionError';
  }
}
