/**
 * Answering servers in a terminal: elicitation forms field by field, URL elicitations after confirmation,
 * sampling approvals. The questions go over any pair of streams (the terminal in use, real streams in tests),
 * one at a time across the whole process (tool approvals included).
 */
import { createInterface, type Interface } from 'node:readline/promises';
import type { ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { coerceField, type ElicitationView, type FieldValue, type FormField } from '../core/mcp/elicitation';
import type { SamplingDecision, SamplingRequestView } from '../core/mcp/sampling';
import { visibleControls } from '../core/util/untrusted';

export interface TerminalIO {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/** The terminal: questions on stderr, so stdout keeps only the answer. */
export function terminalIO(): TerminalIO {
  return { input: process.stdin, output: process.stderr };
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs `fn` once every earlier terminal question is done: prompts never interleave. */
export function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const next = queue.then(fn);
  queue = next.catch(() => undefined);
  return next;
}

let shared: { input: NodeJS.ReadableStream; rl: Interface } | undefined;

/**
 * Makes questions on `input` go through this interface (the interactive chat's) rather than a second one on
 * the same terminal, which would echo every key twice and pause the input when it closes. Returns the undo.
 */
export function shareInterface(input: NodeJS.ReadableStream, rl: Interface): () => void {
  shared = { input, rl };
  return () => {
    if (shared?.rl === rl) shared = undefined;
  };
}

/** One line of input; rejects on end of input or abort. */
export async function askLine(io: TerminalIO, question: string, signal?: AbortSignal): Promise<string> {
  const own = shared?.input === io.input ? undefined : createInterface({ input: io.input, output: io.output, terminal: (io.input as { isTTY?: boolean }).isTTY === true });
  const rl = own ?? shared!.rl;
  let onClose: (() => void) | undefined;
  try {
    const closed = new Promise<never>((_, reject) => rl.once('close', (onClose = () => reject(new Error('end of input')))));
    return await Promise.race([rl.question(visibleControls(question), signal ? { signal } : {}), closed]);
  } finally {
    if (onClose) rl.off('close', onClose);
    own?.close();
  }
}

const MAX_TRIES = 5;

/**
 * A form elicitation, field by field: title, description and default shown; enums as numbered choices;
 * booleans y/n; an answer that does not validate is asked again. Then Accept / Decline / Cancel. End of input
 * or an abort cancels.
 */
export async function askElicitation(server: string, view: ElicitationView, io: TerminalIO, openUrl: (url: string) => Promise<boolean>, signal?: AbortSignal): Promise<ElicitResult> {
  const out = (s: string) => io.output.write(visibleControls(s));
  try {
    if (view.mode === 'url') {
      out(`\nServer "${server}" asks you to open a link:\n  ${view.message}\n  ${view.url}\n`);
      if (!view.openable) {
        out('  (not an http(s) link: declined)\n');
        return { action: 'decline' };
      }
      const a = (await askLine(io, `Open it (${view.host})? [y]es, [n]o, [c]ancel: `, signal)).trim().toLowerCase();
      if (a === 'c' || a === 'cancel') return { action: 'cancel' };
      if (a !== 'y' && a !== 'yes') return { action: 'decline' };
      const opened = await openUrl(view.url).catch(() => false);
      out(opened ? '  Opened in the browser.\n' : `  Could not start a browser; open the link yourself:\n  ${view.url}\n`);
      return { action: 'accept' };
    }
    out(`\nServer "${server}" asks for information:\n  ${view.message}\n  (Enter keeps the default; an empty optional field is left out.)\n`);
    const content: Record<string, FieldValue> = {};
    for (const f of view.fields) {
      const v = await askField(f, io, signal);
      if (v !== undefined) content[f.name] = v;
    }
    out(`\nAnswers for "${server}":\n${Object.entries(content).map(([k, v]) => `  ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`).join('\n') || '  (none)'}\n`);
    const a = (await askLine(io, 'Send them? [a]ccept, [d]ecline, [c]ancel: ', signal)).trim().toLowerCase();
    if (a === '' || a === 'a' || a === 'accept' || a === 'y' || a === 'yes') return { action: 'accept', content };
    if (a === 'd' || a === 'decline' || a === 'n' || a === 'no') return { action: 'decline' };
    return { action: 'cancel' };
  } catch {
    return { action: 'cancel' };
  }
}

async function askField(f: FormField, io: TerminalIO, signal?: AbortSignal): Promise<FieldValue | undefined> {
  const out = (s: string) => io.output.write(visibleControls(s));
  out(`\n${f.title}${f.required ? ' (required)' : ''}${f.description ? `: ${f.description}` : ''}\n`);
  const opts = f.options ?? [];
  if (opts.length) out(`${opts.map((o, i) => `  ${i + 1}) ${o.label}${o.label !== o.value ? ` [${o.value}]` : ''}`).join('\n')}\n`);
  const def = f.default === undefined ? '' : ` [${showDefault(f)}]`;
  const hint =
    f.kind === 'boolean'
      ? ' y/n'
      : f.kind === 'enum'
        ? ` 1-${opts.length}`
        : f.kind === 'multi-enum'
          ? ' numbers, comma-separated'
          : f.format
            ? ` ${f.format}`
            : f.kind !== 'string'
              ? ` ${f.kind}${range(f)}`
              : '';
  for (let i = 0; i < MAX_TRIES; i++) {
    const answer = (await askLine(io, `${f.title}${hint ? ` (${hint.trim()})` : ''}${def}: `, signal)).trim();
    if (!answer) {
      if (f.default !== undefined) return f.default;
      if (!f.required) return undefined;
      out(`  ${f.title} is required.\n`);
      continue;
    }
    const r = coerceField(f, answer);
    if ('value' in r) return r.value;
    out(`  ${r.error}\n`);
  }
  throw new Error('too many invalid answers');
}

function showDefault(f: FormField): string {
  const label = (v: string) => f.options?.find((o) => o.value === v)?.label ?? v;
  if (Array.isArray(f.default)) return f.default.map(label).join(', ');
  if (typeof f.default === 'boolean') return f.default ? 'yes' : 'no';
  return typeof f.default === 'string' ? label(f.default) : String(f.default);
}

function range(f: FormField): string {
  if (f.minimum !== undefined && f.maximum !== undefined) return `, ${f.minimum} to ${f.maximum}`;
  if (f.minimum !== undefined) return `, at least ${f.minimum}`;
  if (f.maximum !== undefined) return `, at most ${f.maximum}`;
  return '';
}

/** Shows a sampling request and asks whether the model may answer it. End of input or an abort declines. */
export async function askSampling(view: SamplingRequestView, io: TerminalIO, signal?: AbortSignal): Promise<SamplingDecision> {
  const out = (s: string) => io.output.write(visibleControls(s));
  const lines = [`\nServer "${view.server}" asks the model (${view.model}, up to ${view.maxTokens} tokens) to answer:`];
  if (view.systemPrompt) lines.push(`  system: ${clip(view.systemPrompt)}`);
  for (const m of view.messages.slice(-6)) lines.push(`  ${m.role}: ${clip(m.text)}`);
  if (view.messages.length > 6) lines.splice(view.systemPrompt ? 2 : 1, 0, `  (${view.messages.length - 6} earlier messages)`);
  out(`${lines.join('\n')}\n`);
  try {
    const a = (await askLine(io, 'Allow? [y]es, [n]o, [a]lways for this server: ', signal)).trim().toLowerCase();
    if (a === 'y' || a === 'yes') return 'approve';
    if (a === 'a' || a === 'always') return 'always';
    return 'decline';
  } catch {
    return 'decline';
  }
}

function clip(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
