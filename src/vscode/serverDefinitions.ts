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
import { inputsUsed, parseAsWritten, trustFingerprint, trustSummary } from '../core/mcp/trust';
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
            untrusted.push({ name: def.name, fingerprint, summary: trustSummary(def) });
            continue;
          }
        }
        allowed.add(def.name);
      }
      if (allowed.size === 0) continue;
      const inputs = await this.resolveInputs(doc, written.servers.filter((d) => allowed.has(d.name)).flatMap(inputsUsed));
      const parsed = parseServerDefinitions(doc, source, { workspaceFolder: folder, input: (id) => inputs.get(id) });
      issues.push(...parsed.issues.filter((i) => i.server !== undefined && allowed.has(i.server)));
      for (const def of parsed.servers) {
        if (!allowed.has(def.name)) continue;
        servers.push(def.transport === 'stdio' ? { ...def, env: { ...this.extraEnv(), ...def.env } } : def);
      }
    }
    for (const issue of issues) this.logger.warn(formatIssue(issue));
    return { servers, issues, restricted, untrusted };
  }

  /** Values for the `${input:ID}`s of the servers that start, asked for once and remembered. */
  private async resolveInputs(doc: Record<string, unknown>, ids: string[]): Promise<Map<string, string>> {
    const used = new Set(ids);
    const out = new Map<string, string>();
    if (used.size === 0) return out;
    const declared = new Map<string, ServerInput>();
    if (Array.isArray(doc.inputs)) {
      for (const i of doc.inputs as unknown[]) if (isObject(i) && typeof i.id === 'string') declared.set(i.id, i as unknown as ServerInput);
    }
    for (const id of used) {
      const value = await this.inputValue(id, declared.get(id));
      if (value !== undefined) out.set(id, value);
    }
    return out;
  }

  private async inputValue(id: string, input: ServerInput | undefined): Promise<string | undefined> {
    const cached = this.inputCache.get(id);
    if (cached !== undefined) return cached;
    const key = `mcpAgent.input.${id}`;
    const stored = await this.context.secrets.get(key);
    if (stored !== undefined) {
      this.inputCache.set(id, stored);
      return stored;
    }
    const value = await vscode.window.showInputBox({
      title: vscode.l10n.t('MCP Agent: value for "{0}"', id),
      prompt: input?.description ?? vscode.l10n.t('An MCP server definition uses ${input:{0}}.', id),
      password: input?.password ?? false,
      value: input?.default,
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined;
    // Kept in SecretStorage (encrypted by the OS keychain), never written back into a settings or mcp.json file.
    await this.context.secrets.store(key, value);
    this.inputCache.set(id, value);
    return value;
  }

  async forgetInputs(): Promise<void> {
    for (const id of this.inputCache.keys()) await this.context.secrets.delete(`mcpAgent.input.${id}`);
    this.inputCache.clear();
  }
}
