/**
 * Server definitions as a VS Code user has them: `mcpAgent.servers` (user and workspace settings) and, with
 * `mcpAgent.discovery`, `.vscode/mcp.json`, `.mcp.json` and `config.yaml` in each workspace folder.
 * `${input:ID}` is asked once (passwords kept in SecretStorage, never written to a file), and only for servers that
 * may start. A server the workspace defines starts only once the user has trusted that exact definition
 * (serverTrust.ts); in Restricted Mode none starts and none is asked about.
 */
import * as vscode from 'vscode';
import { formatIssue, parseConfigText } from '../core/config/configFile';
import { isObject, parseServerDefinitions, type ConfigIssue, type ServerDefinition } from '../core/mcp/serverConfig';
import { inputReceiver, inputsUsed, parseAsWritten, parseForDisplay, trustFingerprint, trustSummary } from '../core/mcp/trust';
import type { Logger } from '../core/ports';
import { readSettings, userLevelServers, workspaceLevelServers } from './config';
import { ServerTrust, type HeldBackServer } from './serverTrust';

export const DISCOVERED = ['.vscode/mcp.json', '.mcp.json', 'config.yaml'];

export interface ServerInput {
  id: string;
  description?: string;
  password?: boolean;
  default?: string;
}

export interface GatheredServers {
  servers: ServerDefinition[];
  issues: ConfigIssue[];
  /** Workspace-defined servers held back by Restricted Mode. */
  restricted: string[];
  /** Workspace-defined servers held back until the user trusts their definition. */
  untrusted: HeldBackServer[];
}

export class ServerDefinitionSource {
  private readonly inputCache = new Map<string, string>();
  readonly trust: ServerTrust;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly logger: Logger,
    private readonly extraEnv: () => Record<string, string>,
  ) {
    this.trust = new ServerTrust(context.globalState);
  }

  async gather(): Promise<GatheredServers> {
    const docs: Array<{ doc: unknown; source: string; workspace: boolean; folder?: string }> = [];
    docs.push({ doc: { servers: userLevelServers() }, source: 'user settings', workspace: false });
    const folders = vscode.workspace.workspaceFolders ?? [];
    docs.push({ doc: { servers: workspaceLevelServers() }, source: 'workspace settings', workspace: true, folder: folders[0]?.uri.fsPath });
    const issues: ConfigIssue[] = [];
    if (readSettings().discovery) {
      for (const folder of folders) {
        for (const rel of DISCOVERED) {
          const uri = vscode.Uri.joinPath(folder.uri, rel);
          let text: string;
          try {
            text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
          } catch {
            continue;
          }
          try {
            docs.push({ doc: text.trim() ? parseConfigText(text, uri.fsPath) : {}, source: uri.fsPath, workspace: true, folder: folder.uri.fsPath });
          } catch (err) {
            issues.push({ source: uri.fsPath, message: (err as Error).message.replace(`${uri.fsPath}:`, 'line').trim() });
          }
        }
      }
    }

    const servers: ServerDefinition[] = [];
    const restricted: string[] = [];
    const untrusted: HeldBackServer[] = [];
    const seen = new Set<string>();
    for (const { doc, source, workspace, folder } of docs) {
      if (!isObject(doc)) continue;
      // Decided on the definition as written: no ${input:} is asked for a server that will not start.
      const written = parseAsWritten(doc, source, { workspaceFolder: folder });
      const shown = workspace ? parseForDisplay(doc, source, { workspaceFolder: folder }) : undefined;
      issues.push(...written.issues);
      const allowed = new Set<string>();
      for (const def of written.servers) {
        if (seen.has(def.name)) {
          issues.push({ source, server: def.name, message: 'is defined more than once; the first definition is used' });
          continue;
        }
        seen.add(def.name);
        if (def.disabled) continue; // never started, so neither asked about nor asked inputs for
        if (workspace) {
          if (!vscode.workspace.isTrusted) {
            restricted.push(def.name);
            continue;
          }
          const fingerprint = trustFingerprint(def, folder);
          if (!this.trust.isTrusted(fingerprint)) {
            untrusted.push({ name: def.name, fingerprint, summary: trustSummary(def, shown?.get(def.name)) });
            continue;
          }
        }
        allowed.add(def.name);
      }
      if (allowed.size === 0) continue;
      const receivers = new Map(written.servers.filter((d) => allowed.has(d.name)).map((d) => [d.name, inputReceiver(d)]));
      const inputs = await this.resolveInputs(doc, written.servers.filter((d) => allowed.has(d.name)).flatMap((d) => inputsUsed(d).map((id) => ({ id, receiver: inputReceiver(d) }))));
      const parsed = parseServerDefinitions(doc, source, { workspaceFolder: folder, input: (id, server) => inputs.get(inputKey(id, receivers.get(server ?? '') ?? 'unknown')) });
      issues.push(...parsed.issues.filter((i) => i.server !== undefined && allowed.has(i.server)));
      for (const def of parsed.servers) {
        if (!allowed.has(def.name)) continue;
        servers.push(def.transport === 'stdio' ? { ...def, env: { ...this.extraEnv(), ...def.env } } : def);
      }
    }
    for (const issue of issues) this.logger.warn(formatIssue(issue));
    return { servers, issues, restricted, untrusted };
  }

  /**
   * Values for the `${input:ID}`s of the servers that start, asked for once per receiving host and remembered, keyed
   * by inputKey(id, receiver).
   */
  private async resolveInputs(doc: Record<string, unknown>, wanted: Array<{ id: string; receiver: string }>): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (wanted.length === 0) return out;
    const declared = new Map<string, ServerInput>();
    if (Array.isArray(doc.inputs)) {
      for (const i of doc.inputs as unknown[]) if (isObject(i) && typeof i.id === 'string') declared.set(i.id, i as unknown as ServerInput);
    }
    for (const { id, receiver } of wanted) {
      const key = inputKey(id, receiver);
      if (out.has(key)) continue;
      const value = await this.inputValue(id, receiver, declared.get(id));
      if (value !== undefined) out.set(key, value);
    }
    return out;
  }

  private async inputValue(id: string, receiver: string, input: ServerInput | undefined): Promise<string | undefined> {
    const key = `mcpAgent.input.${inputKey(id, receiver)}`;
    const cached = this.inputCache.get(key);
    if (cached !== undefined) return cached;
    const stored = await this.context.secrets.get(key);
    if (stored !== undefined) {
      this.inputCache.set(key, stored);
      return stored;
    }
    const value = await vscode.window.showInputBox({
      title: vscode.l10n.t('MCP Agent: value for "{0}"', id),
      prompt: [input?.description ?? vscode.l10n.t('An MCP server definition uses ${input:{0}}.', id), receiver === 'local' ? vscode.l10n.t('It is given to a program started on this computer.') : vscode.l10n.t('It is sent to {0}.', receiver)].join(' '),
      password: input?.password ?? false,
      value: input?.default,
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined;
    // Kept in SecretStorage (encrypted by the OS keychain), never written back into a settings or mcp.json file.
    await this.context.secrets.store(key, value);
    this.inputCache.set(key, value);
    return value;
  }

  async forgetInputs(): Promise<void> {
    for (const key of this.inputCache.keys()) await this.context.secrets.delete(key);
    this.inputCache.clear();
  }
}

/** An input's value is remembered per id and per host that receives it (core/mcp/trust.ts inputReceiver). */
function inputKey(id: string, receiver: string): string {
  return `${id}@${receiver}`;
}
