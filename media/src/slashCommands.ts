/**
 * `/` at the start of the input: the servers' prompts as commands (`/prompt`, with the server shown; typing
 * `/server.prompt` narrows to one server). Picking one asks for its arguments (with the server's completions)
 * and runs it: the host gets the prompt and sends its messages as the user's turn.
 */
import type { PromptItem } from '../../src/shared/protocol';
import type { Catalog } from './catalog';
import type { Picker, PickerItem } from './picker';
import { t } from './strings';

const MAX_ITEMS = 200;

function matches(p: PromptItem, query: string): boolean {
  if (!query) return true;
  const q = query.toLowerCase();
  const dot = q.indexOf('.');
  if (dot > 0 && p.server.toLowerCase() === q.slice(0, dot)) return p.name.toLowerCase().startsWith(q.slice(dot + 1));
  return [p.name, p.title ?? '', `${p.server}.${p.name}`].some((s) => s.toLowerCase().includes(q));
}

export function promptItems(catalog: Catalog, query: string): PickerItem[] {
  const names = new Map<string, number>();
  for (const p of catalog.prompts) names.set(p.name, (names.get(p.name) ?? 0) + 1);
  return catalog.prompts
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => matches(p, query))
    .slice(0, MAX_ITEMS)
    .map(({ p, i }) => ({
      key: String(i),
      // The short form unless two servers have a prompt of that name.
      label: (names.get(p.name) ?? 0) > 1 ? `/${p.server}.${p.name}` : `/${p.name}`,
      server: p.server,
      detail: p.description ?? p.title,
      codicon: 'symbol-event',
    }));
}

export interface PromptRun {
  server: string;
  name: string;
  arguments: Record<string, string>;
}

/** Asks for the prompt's arguments (none: runs at once); undefined when the user gave up. */
export async function promptRunFor(catalog: Catalog, picker: Picker, item: PickerItem): Promise<PromptRun | undefined> {
  const p = catalog.prompts[Number(item.key)];
  if (!p) return undefined;
  if (!p.arguments.length) return { server: p.server, name: p.name, arguments: {} };
  const values = await picker.askArguments(
    t('promptArguments', `/${p.name}`),
    p.arguments,
    t('promptRun'),
    p.completions ? (name, value, all) => catalog.complete(p.server, { type: 'prompt', name: p.name }, { name, value }, all) : undefined,
  );
  return values ? { server: p.server, name: p.name, arguments: values } : undefined;
}
