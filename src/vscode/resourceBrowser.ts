/**
 * "MCP Agent: Open Server Resource…": pick any connected server's resource (or fill in a template), and see it the
 * way VS Code shows files: text in a read-only editor with the language its name or MIME type implies, images and
 * other binary contents written under globalStorage and opened with VS Code's own viewers (image preview, hex...).
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import * as vscode from 'vscode';
import { viewableContents } from '../core/mcp/resourceView';
import type { VsCodeFront } from './VsCodeFront';

export const RESOURCE_SCHEME = 'mcp-agent-resource';
/** Contents opened at once from one read; a resource with more is cut there (and says so). */
const MAX_OPENED = 10;
/** Text documents kept for the provider; the oldest are dropped (VS Code asks again only when one is reopened). */
const MAX_DOCUMENTS = 100;

/** Read-only documents for resource text, addressed `mcp-agent-resource:/<server>/<file name>?<id>`. */
export class ResourceDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();

  set(uri: vscode.Uri, text: string): void {
    this.texts.delete(uri.toString());
    this.texts.set(uri.toString(), text);
    while (this.texts.size > MAX_DOCUMENTS) this.texts.delete(this.texts.keys().next().value as string);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? vscode.l10n.t('This resource is no longer loaded; open it again with "MCP Agent: Open Server Resource…".');
  }
}

interface Pick extends vscode.QuickPickItem {
  server: string;
  uri: string;
  template?: string[];
}

export async function openServerResource(host: VsCodeFront, docs: ResourceDocuments, server?: unknown, uri?: unknown): Promise<void> {
  let target: { server: string; uri: string } | undefined = typeof server === 'string' && typeof uri === 'string' ? { server, uri } : undefined;
  target ??= await pickResource(host);
  if (!target) return;
  let contents;
  try {
    contents = (await host.manager.readResource(target.server, target.uri, { timeoutMs: 30_000 })).contents;
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Could not read {0} from {1}: {2}', target.uri, target.server, (err as Error).message));
    return;
  }
  const views = viewableContents(contents);
  if (views.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} has no contents.', target.uri));
    return;
  }
  const id = createHash('sha256').update(`${target.server}\n${target.uri}`).digest('hex').slice(0, 12);
  for (const [i, v] of views.slice(0, MAX_OPENED).entries()) {
    if (v.kind === 'text') {
      const doc = vscode.Uri.from({ scheme: RESOURCE_SCHEME, path: `/${target.server}/${v.fileName}`, query: `${id}-${i}` });
      docs.set(doc, v.text);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(doc), { preview: views.length === 1 });
    } else {
      const dir = path.join(host.context().globalStorageUri.fsPath, 'resources', `${id}-${i}`);
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, v.fileName);
      await writeFile(file, v.bytes);
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file));
    }
  }
  if (views.length > MAX_OPENED) void vscode.window.showInformationMessage(vscode.l10n.t('Opened {0} of the {1} contents of {2}.', MAX_OPENED, views.length, target.uri));
}

async function pickResource(host: VsCodeFront): Promise<{ server: string; uri: string } | undefined> {
  const items: Pick[] = [
    ...host.manager.resources().map((r) => ({ label: r.title ?? r.name, description: r.server, detail: r.uri, server: r.server, uri: r.uri })),
    ...host.manager.resourceTemplates().flatMap((t): Pick[] => {
      try {
        const variables = new UriTemplate(t.uriTemplate).variableNames;
        return [{ label: t.title ?? t.name, description: `${t.server} · ${vscode.l10n.t('template')}`, detail: t.uriTemplate, server: t.server, uri: t.uriTemplate, template: variables }];
      } catch {
        return []; // a template the SDK cannot parse cannot be expanded either
      }
    }),
  ];
  if (items.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No connected MCP server offers resources.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Open a server resource'), placeHolder: vscode.l10n.t('Pick a resource'), matchOnDescription: true, matchOnDetail: true });
  if (!picked) return undefined;
  if (!picked.template) return { server: picked.server, uri: picked.uri };
  const values: Record<string, string> = {};
  for (const name of picked.template) {
    const value = await vscode.window.showInputBox({ title: picked.label, prompt: vscode.l10n.t('Value of {0} in {1}', name, picked.uri), ignoreFocusOut: true });
    if (value === undefined) return undefined;
    values[name] = value;
  }
  return { server: picked.server, uri: new UriTemplate(picked.uri).expand(values) };
}
