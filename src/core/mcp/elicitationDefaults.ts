/** Answers to a form elicitation built from the requested schema's defaults (the CLI's `--yes`, non-interactive runs). */
import type { ElicitRequest, ElicitResult } from '@modelcontextprotocol/sdk/types.js';

type Primitive = string | number | boolean | string[];

export function defaultsFor(params: ElicitRequest['params']): Record<string, Primitive> {
  if (!('requestedSchema' in params) || !params.requestedSchema) return {};
  const out: Record<string, Primitive> = {};
  for (const [key, prop] of Object.entries(params.requestedSchema.properties ?? {})) {
    const p = prop as { type?: string; default?: unknown; enum?: unknown[] };
    if (p.default !== undefined && isPrimitive(p.default)) out[key] = p.default;
  }
  return out;
}

/** Accept with the defaults where the form can be satisfied that way; decline otherwise. URL mode is declined. */
export function acceptWithDefaults(params: ElicitRequest['params']): ElicitResult {
  if ('mode' in params && params.mode === 'url') return { action: 'decline' };
  const content = defaultsFor(params);
  const required = ('requestedSchema' in params ? params.requestedSchema?.required : undefined) ?? [];
  if (required.some((r) => !(r in content))) return { action: 'decline' };
  return { action: 'accept', content };
}

function isPrimitive(v: unknown): v is Primitive {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
}
