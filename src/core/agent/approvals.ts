/**
 * Who may run what without asking. `run_command` always asks unless every part of the command line is covered by the
 * allow-list, judged for the shell that will run it and the directory it runs in (and none is on the deny list); MCP
 * tools that declare `readOnlyHint` and `openWorldHint: false` run freely; everything else asks. Writes to the agent's
 * own configuration (configGuard.ts, on resolved paths) always ask, whatever is auto-approved (an agent that can
 * rewrite its server config can start any process: CVE-2025-53098). "Always allow" is remembered per tool *and*
 * description: a tool whose description changes (after `list_changed`) must be approved again.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { ApprovalRequest, Approver, FileChange } from '../ports';
import { EDIT_TOOL_NAMES, type ChangePlan } from '../tools/editFile';
import { realExisting } from './commandArgs';
import { evaluateCommand } from './commandPolicy';
import { argumentWritesConfig, commandWritesConfig, type GuardContext } from './configGuard';
import type { ToolboxTool } from './toolbox';

export interface ApprovalSettings {
  /** Command prefixes that run without asking (`git status`, `npm test`). */
  allowCommands?: string[];
  /** Command prefixes that never run, whatever else says. */
  denyCommands?: string[];
  /** Standing approvals restored by the front: tool name -> fingerprint (see `toolFingerprint`). */
  alwaysAllowedTools?: Record<string, string>;
  /** edit_file / write_file run without asking (never for the protected configuration files). */
  autoApproveEdits?: boolean;
  /** Computes an edit tool's change, so the question shows its diff (runtime.ts passes `planFileChange`). */
  previewChange?: (tool: string, args: Record<string, unknown>) => Promise<ChangePlan>;
  /** The workspace root: commands' `cwd` and relative paths resolve against it. Default: the process's directory. */
  workspaceRoot?: string;
  /** The shell that will run the next command (the command runner knows); undefined: unknown, judged strictly. */
  shell?: () => string | undefined;
  /** Absolute files and directories outside the workspace that are configuration (data directory, VS Code's user directory). */
  protectedPaths?: string[];
}

export interface CheckOptions {
  signal?: AbortSignal;
  /** Told what is being asked, before the answer. */
  onAsk?: (req: ApprovalRequest) => void;
  /** Who answers for this turn; default: the policy's approver. */
  approver?: Approver;
  /** The tool call being decided. */
  callId?: string;
}

/** `toolError`: the call cannot work as given (an edit that does not match); the model gets this text as the result. */
export type ApprovalOutcome = { allowed: true; how: 'policy' | 'user' | 'remembered' } | { allowed: false; reason: string; toolError?: string };

/** Built-in tools that only read. */
const READ_ONLY_BUILTINS = new Set(['analyze_code', 'search', 'system_info', 'read_result']);

/** Whether a tool only reads: built-ins on the read-only list, MCP tools that declare `readOnlyHint`. */
export function isReadOnlyTool(tool: Pick<ToolboxTool, 'source' | 'name' | 'annotations'>): boolean {
  if (tool.source === 'builtin') return READ_ONLY_BUILTINS.has(tool.name);
  return tool.annotations?.readOnlyHint === true;
}

/**
 * An MCP tool runs without asking only when it says it reads and stays closed-world: a read-only tool that reaches
 * the outside world (a fetch, a search, `openWorldHint` not `false`) can send what it is given to anyone, so it asks
 * unless the user approved that tool. Annotations from a cached tool list never get here (McpAgent drops them until
 * the server's live list arrives).
 */
export function runsUnasked(tool: Pick<ToolboxTool, 'annotations'>): boolean {
  return tool.annotations?.readOnlyHint === true && tool.annotations.openWorldHint === false;
}

function isEditTool(tool: ToolboxTool): boolean {
  return tool.source === 'builtin' && EDIT_TOOL_NAMES.has(tool.name);
}

/** Name, description and schema: what the user saw when they said "always". */
export function toolFingerprint(tool: Pick<ToolboxTool, 'name' | 'description' | 'parameters'>): string {
  return createHash('sha256').update(JSON.stringify([tool.name, tool.description, tool.parameters])).digest('hex').slice(0, 16);
}

/** The absolute directory a run_command call runs in (as the tool will resolve it), symlinks followed where they exist. */
export function commandCwd(root: string, cwd: unknown): string {
  return realExisting(path.resolve(root, typeof cwd === 'string' && cwd !== '' ? cwd : '.'));
}

/**
 * Why a call may write the agent's or the editor's configuration, or undefined: a command writing a protected path
 * (resolved against its cwd), or any string argument of a writing tool naming one.
 */
export function touchesConfig(tool: ToolboxTool, args: Record<string, unknown>, ctx: GuardContext = {}): string | undefined {
  if (tool.source === 'builtin' && READ_ONLY_BUILTINS.has(tool.name)) return undefined;
  if (tool.source === 'mcp' && tool.annotations?.readOnlyHint === true) return undefined;
  if (tool.source === 'builtin' && tool.name === 'run_command' && typeof args.command === 'string') {
    const root = ctx.workspaceRoot ?? process.cwd();
    return commandWritesConfig(args.command, { ...ctx, workspaceRoot: root, cwd: commandCwd(root, args.cwd) });
  }
  return argumentWritesConfig(strings(args), ctx);
}

function strings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 6) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out, depth + 1);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out, depth + 1);
  return out;
}

export class ApprovalPolicy {
  private readonly always: Map<string, string>;

  constructor(
    private readonly approver: Approver,
    private readonly settings: ApprovalSettings = {},
    private readonly onRemember?: (tool: string, fingerprint: string) => void,
  ) {
    this.always = new Map(Object.entries(settings.alwaysAllowedTools ?? {}));
  }

  /** What needs asking, if anything, before `tool` runs with `args`. */
  requestFor(tool: ToolboxTool, args: Record<string, unknown>): ApprovalRequest | { deny: string } | undefined {
    const root = this.settings.workspaceRoot ?? process.cwd();
    const guard: GuardContext = { workspaceRoot: root, protectedPaths: this.settings.protectedPaths };
    if (tool.source === 'builtin' && tool.name === 'run_command') {
      const command = typeof args.command === 'string' ? args.command : '';
      const cwd = commandCwd(root, args.cwd);
      const shell = this.settings.shell ? (this.settings.shell() ?? 'unknown') : undefined;
      const verdict = evaluateCommand(command, { allow: this.settings.allowCommands ?? [], deny: this.settings.denyCommands ?? [] }, { shell, workspaceRoot: root, cwd, protectedPaths: this.settings.protectedPaths });
      if (verdict.decision === 'deny') return { deny: `the command is on the deny list (${verdict.reason})` };
      const config = touchesConfig(tool, args, { ...guard, shell });
      if (config) return { kind: 'config-write', tool: tool.name, summary: command, args, cwd, reason: config };
      if (verdict.decision === 'allow') return undefined;
      return { kind: 'command', tool: tool.name, summary: command, args, cwd, reason: verdict.reason };
    }
    const config = touchesConfig(tool, args, guard);
    if (config) {
      return { kind: 'config-write', tool: tool.name, server: tool.server, summary: summarize(tool, args), args, reason: config };
    }
    if (isEditTool(tool)) {
      if (this.settings.autoApproveEdits) return undefined;
      return { kind: 'edit', tool: tool.name, summary: summarize(tool, args), args };
    }
    if (tool.source === 'builtin' && READ_ONLY_BUILTINS.has(tool.name)) return undefined;
    if (tool.source === 'mcp' && runsUnasked(tool)) return undefined;
    if (this.isRemembered(tool)) return undefined;
    return { kind: 'tool', tool: tool.name, server: tool.server, summary: summarize(tool, args), args };
  }

  /**
   * Decides whether `tool` may run with `args`, asking when the policy says so. The turn's own approver (the panel
   * that started it) is asked when given, else the one this policy was built with; `callId` ties the question to
   * its tool call, so parallel calls of one tool each get their own card.
   */
  async check(tool: ToolboxTool, args: Record<string, unknown>, opts: CheckOptions = {}): Promise<ApprovalOutcome> {
    const found = this.requestFor(tool, args);
    if (!found) return { allowed: true, how: this.isRemembered(tool) ? 'remembered' : 'policy' };
    if ('deny' in found) return { allowed: false, reason: found.deny };
    let change: FileChange | undefined;
    if (isEditTool(tool) && this.settings.previewChange) {
      // The person judges the diff itself; a change that cannot be made is the model's to fix, not a question.
      const plan = await this.settings.previewChange(tool.name, args);
      if (!plan.ok) return { allowed: false, reason: plan.error, toolError: plan.error };
      change = { path: plan.path, before: plan.before, after: plan.after, diff: plan.diff };
    }
    const withChange: ApprovalRequest = change ? { ...found, change, summary: `${tool.name} ${change.path}` } : found;
    const req: ApprovalRequest = opts.callId ? { ...withChange, callId: opts.callId } : withChange;
    opts.onAsk?.(req);
    const decision = await (opts.approver ?? this.approver).request(req, opts.signal);
    if (decision === 'always') {
      // A command line is judged afresh every time, and so is a config write; "always" applies to a tool.
      if (req.kind === 'tool') {
        const fp = toolFingerprint(tool);
        this.always.set(tool.name, fp);
        this.onRemember?.(tool.name, fp);
      }
      return { allowed: true, how: 'user' };
    }
    if (decision === 'allow') return { allowed: true, how: 'user' };
    return { allowed: false, reason: 'the user declined to run it' };
  }

  private isRemembered(tool: ToolboxTool): boolean {
    const fp = this.always.get(tool.name);
    if (fp === undefined) return false;
    if (fp === toolFingerprint(tool)) return true;
    // The tool changed since the user trusted it: the standing approval no longer holds.
    this.always.delete(tool.name);
    return false;
  }
}

function summarize(tool: ToolboxTool, args: Record<string, unknown>): string {
  if (tool.source === 'builtin' && tool.name === 'run_command' && typeof args.command === 'string') return args.command;
  const text = JSON.stringify(args) ?? '';
  return `${tool.server ? `${tool.server}: ` : ''}${tool.tool} ${text.length > 300 ? `${text.slice(0, 299)}…` : text}`;
}
