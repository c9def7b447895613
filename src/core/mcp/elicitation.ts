/**
 * Elicitation (`elicitation/create`): a front-independent model of the request. Form mode becomes a list of
 * fields (from the restricted JSON Schema the spec allows) that a front renders and `validateForm` checks and
 * coerces; URL mode is surfaced as is, for the front to confirm and open (http(s) only).
 *
 * ```ts
 * const view = elicitationView(params);
 * if (view.mode === 'form') { const r = validateForm(view.fields, answers); if (r.ok) return { action: 'accept', content: r.content }; }
 * ```
 */
import type { ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import { openableUrl } from '../../shared/links';

export { acceptWithDefaults, defaultsFor } from './elicitationDefaults';

type ElicitParams = ElicitRequest['params'];

export type FieldValue = string | number | boolean | string[];

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'multi-enum';

export interface FieldOption {
  value: string;
  /** The title (`oneOf`/`anyOf` `title`, legacy `enumNames`), else the value. */
  label: string;
}

export interface FormField {
  /** The property name: the key in the returned content. */
  name: string;
  kind: FieldKind;
  /** The schema's title, else the property name. */
  title: string;
  description?: string;
  required: boolean;
  default?: FieldValue;
  /** `enum` and `multi-enum`. */
  options?: FieldOption[];
  /** Strings: `email`, `uri`, `date`, `date-time`. */
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  /** `multi-enum`. */
  minItems?: number;
  maxItems?: number;
}

export type ElicitationView =
  | { mode: 'form'; message: string; fields: FormField[] }
  | {
      mode: 'url';
      message: string;
      url: string;
      elicitationId: string;
      /** The host to show the user, so they know where the link goes. */
      host: string;
      /** Only http(s) links are ever opened. */
      openable: boolean;
    };

export function elicitationView(params: ElicitParams): ElicitationView {
  if ('mode' in params && params.mode === 'url') {
    // The shared link rule (src/shared/links.ts): http(s) only, no credentials or control characters, and the
    // normalized URL is what is shown and opened, never the raw text.
    const parsed = openableUrl(String(params.url));
    const url = parsed?.href ?? String(params.url);
    return { mode: 'url', message: params.message, url, elicitationId: String(params.elicitationId), host: parsed?.host ?? '', openable: parsed !== undefined };
  }
  return { mode: 'form', message: params.message, fields: formFields(params) };
}

/** The form's fields, in the schema's order. Properties of unsupported types become plain strings. */
export function formFields(params: ElicitParams): FormField[] {
  if (!('requestedSchema' in params) || !params.requestedSchema) return [];
  const required = new Set(params.requestedSchema.required ?? []);
  const out: FormField[] = [];
  for (const [name, raw] of Object.entries(params.requestedSchema.properties ?? {})) {
    const p = raw as Record<string, unknown>;
    const field: FormField = { name, kind: 'string', title: str(p.title) ?? name, required: required.has(name) };
    if (str(p.description)) field.description = str(p.description);
    const type = p.type;
    if (type === 'array') {
      field.kind = 'multi-enum';
      const items = (p.items ?? {}) as Record<string, unknown>;
      field.options = options(items);
      field.minItems = num(p.minItems);
      field.maxItems = num(p.maxItems);
      if (Array.isArray(p.default)) field.default = p.default.map(String);
    } else if (type === 'boolean') {
      field.kind = 'boolean';
      if (typeof p.default === 'boolean') field.default = p.default;
    } else if (type === 'number' || type === 'integer') {
      field.kind = type;
      field.minimum = num(p.minimum);
      field.maximum = num(p.maximum);
      if (typeof p.default === 'number') field.default = p.default;
    } else {
      const opts = options(p);
      if (opts.length) {
        field.kind = 'enum';
        field.options = opts;
      } else {
        field.format = str(p.format);
        field.minLength = num(p.minLength);
        field.maxLength = num(p.maxLength);
      }
      if (typeof p.default === 'string') field.default = p.default;
    }
    out.push(stripUndefined(field));
  }
  return out;
}

/** Choices from `enum` (+ legacy `enumNames`) or titled `oneOf`/`anyOf` `{ const, title }` entries. */
function options(p: Record<string, unknown>): FieldOption[] {
  if (Array.isArray(p.enum)) {
    const names = Array.isArray(p.enumNames) ? p.enumNames : [];
    return p.enum.map((v, i) => ({ value: String(v), label: str(names[i]) ?? String(v) }));
  }
  const list = Array.isArray(p.oneOf) ? p.oneOf : Array.isArray(p.anyOf) ? p.anyOf : undefined;
  if (!list) return [];
  return list
    .filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null && 'const' in o)
    .map((o) => ({ value: String(o.const), label: str(o.title) ?? String(o.const) }));
}

export type FormResult = { ok: true; content: Record<string, FieldValue> } | { ok: false; errors: Record<string, string> };

/**
 * Checks answers against the fields and coerces them to the schema's types. Values may be typed already or be
 * text as typed in a terminal: numbers as digits, booleans as y/yes/true/n/no/false, an enum as its value, its
 * label or its 1-based number, a multi-select as a comma-separated list of those. Empty (undefined, '', [])
 * means "not given": the default applies, else a required field is an error. Unknown keys are dropped.
 */
export function validateForm(fields: FormField[], values: Record<string, unknown>): FormResult {
  const content: Record<string, FieldValue> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const raw = values[f.name];
    const empty = raw === undefined || raw === null || raw === '' || (Array.isArray(raw) && raw.length === 0);
    if (empty) {
      if (f.default !== undefined) content[f.name] = f.default;
      else if (f.required) errors[f.name] = `${f.title} is required`;
      continue;
    }
    const r = coerceField(f, raw);
    if ('error' in r) errors[f.name] = r.error;
    else content[f.name] = r.value;
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, content };
}

/** One field's value, coerced and checked. */
export function coerceField(f: FormField, raw: unknown): { value: FieldValue } | { error: string } {
  switch (f.kind) {
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      const t = String(raw).trim().toLowerCase();
      if (['y', 'yes', 'true', '1', 'on'].includes(t)) return { value: true };
      if (['n', 'no', 'false', '0', 'off'].includes(t)) return { value: false };
      return { error: `${f.title}: answer yes or no` };
    }
    case 'number':
    case 'integer': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (!Number.isFinite(n) || (typeof raw === 'string' && !raw.trim())) return { error: `${f.title}: not a number` };
      if (f.kind === 'integer' && !Number.isInteger(n)) return { error: `${f.title}: must be a whole number` };
      if (f.minimum !== undefined && n < f.minimum) return { error: `${f.title}: must be at least ${f.minimum}` };
      if (f.maximum !== undefined && n > f.maximum) return { error: `${f.title}: must be at most ${f.maximum}` };
      return { value: n };
    }
    case 'enum': {
      const v = matchOption(f, raw);
      return v === undefined ? { error: `${f.title}: choose one of ${(f.options ?? []).map((o) => o.label).join(', ')}` } : { value: v };
    }
    case 'multi-enum': {
      const items = Array.isArray(raw) ? raw : String(raw).split(',').map((s) => s.trim()).filter(Boolean);
      const picked: string[] = [];
      for (const item of items) {
        const v = matchOption(f, item);
        if (v === undefined) return { error: `${f.title}: "${String(item)}" is not one of ${(f.options ?? []).map((o) => o.label).join(', ')}` };
        if (!picked.includes(v)) picked.push(v);
      }
      if (f.minItems !== undefined && picked.length < f.minItems) return { error: `${f.title}: choose at least ${f.minItems}` };
      if (f.maxItems !== undefined && picked.length > f.maxItems) return { error: `${f.title}: choose at most ${f.maxItems}` };
      return { value: picked };
    }
    default: {
      if (typeof raw !== 'string') return { error: `${f.title}: must be text` };
      if (f.minLength !== undefined && raw.length < f.minLength) return { error: `${f.title}: at least ${f.minLength} characters` };
      if (f.maxLength !== undefined && raw.length > f.maxLength) return { error: `${f.title}: at most ${f.maxLength} characters` };
      const formatError = checkFormat(f.format, raw);
      return formatError ? { error: `${f.title}: ${formatError}` } : { value: raw };
    }
  }
}

function matchOption(f: FormField, raw: unknown): string | undefined {
  const opts = f.options ?? [];
  const t = String(raw).trim();
  const exact = opts.find((o) => o.value === t) ?? opts.find((o) => o.label.toLowerCase() === t.toLowerCase());
  if (exact) return exact.value;
  if (/^\d+$/.test(t)) return opts[Number(t) - 1]?.value;
  return undefined;
}

function checkFormat(format: string | undefined, v: string): string | undefined {
  if (format === 'email') return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? undefined : 'not an email address';
  if (format === 'uri') {
    try {
      new URL(v);
      return undefined;
    } catch {
      return 'not a URI (e.g. https://example.com)';
    }
  }
  if (format === 'date') return /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) ? undefined : 'not a date (YYYY-MM-DD)';
  if (format === 'date-time') return !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v) ? undefined : 'not a date-time (YYYY-MM-DDThh:mm:ssZ)';
  return undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}
