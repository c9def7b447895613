/**
 * `@` in the input: every connected server's resources and templates. Picking a resource attaches it as a chip;
 * picking a template first asks for its variables (with the server's completions). The host reads attached
 * resources when the message is sent.
 */
import type { AttachmentRef, ResourceItem } from '../../src/shared/protocol';
import type { Catalog } from './catalog';
import type { Picker, PickerItem } from './picker';
import { t } from './strings';

const MAX_ITEMS = 200;

function matches(r: ResourceItem, query: string): boolean {
  if (!query) return true;
  const q = query.toLowerCase();
  return [r.name, r.title ?? '', r.uri, r.server].some((s) => s.toLowerCase().includes(q));
}

export function resourceItems(catalog: Catalog, query: string): PickerItem[] {
  return catalog.resources
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => matches(r, query))
    .slice(0, MAX_ITEMS)
    .map(({ r, i }) => ({
      key: String(i),
      label: r.title || r.name,
      server: r.server,
      detail: r.uri,
      badge: r.template ? t('pickerTemplate') : undefined,
      codicon: r.template ? 'symbol-variable' : r.mimeType?.startsWith('image/') ? 'file-media' : 'file',
    }));
}

/** Expands a URI template's simple `{var}` / `{+var}` / `{/var}` expressions (enough to show the chip; the host expands it properly). */
export function previewUri(template: string, vars: Record<string, string>): string {
  return template.replace(/\{([+#/?&.;]?)([^}]+)\}/g, (_m, op: string, names: string) =>
    names
      .split(',')
      .map((n) => {
        const v = vars[n.replace(/\*$|:\d+$/, '')] ?? '';
        return (op === '/' ? '/' : '') + (op === '+' || op === '#' ? v : encodeURIComponent(v));
      })
      .join(op === '/' ? '' : ','),
  );
}

/** The attachment for a picked item (asking for a template's variables first); undefined when the user gave up. */
export async function attachmentFor(catalog: Catalog, picker: Picker, item: PickerItem): Promise<AttachmentRef | undefined> {
  const r = catalog.resources[Number(item.key)];
  if (!r) return undefined;
  if (!r.template) return { server: r.server, uri: r.uri, name: r.title || r.name };
  const variables = r.variables ?? [];
  const values = variables.length
    ? await picker.askArguments(r.title || r.name, variables.map((name) => ({ name, required: true })), t('templateAttach'), (name, value, all) =>
        catalog.complete(r.server, { type: 'resource', uri: r.uri }, { name, value }, all),
      )
    : {};
  if (!values) return undefined;
  return { server: r.server, uri: r.uri, name: previewUri(r.uri, values), template: true, variables: values };
}
