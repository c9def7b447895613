/**
 * Who may run what without asking. `run_command` always asks unless every part of the command line is on the
 * allow-list (and none is on the deny list); MCP tools that declare `readOnlyHint` run freely; everything else asks.
 * "Always allow" answers are remembered for the session (the extension persists them per workspace).
 */
import type { ApprovalRequest, Approver } from '../ports';
import { evaluateCommand } from './commandPolicy';
import type { AgentTool } from './toolbox';

export interface ApprovalSettings {
  /** Command prefixes that run without asking (`git status`, `npm test`). */
  allowCommands?: string[];
  /** Command prefixes that never run, whatever else says. */
  denyCommands?: string[];
  /** Tool names approved for good (restored by the front). */
  alwaysAllowedTools?: string[];
}

export type ApprovalOutcome = { allowed: true; how: 'policy' | 'user' | 'remembered' } | { allowed: false; reason: string };

/** Built-in tools that only read. */
const READ_ONLY_BUILTINS = new Set(['analyze_code', 'search', 'system_info']);

export class ApprovalPolicy {
  private readonly always: Set<string>;

  constructor(
    private readonly approver: Approver,
    private readonly settings: ApprovalSettings = {},
    private readonly onRemember?: (tool: string) => void,
  ) {
    this.always = new Set(settings.alwaysAllowedTools ?? []);
  }

  /** What needs asking, if anything, before `tool` runs with `args`. */
  requestFor(tool: AgentTool, args: Record<string, unknown>): ApprovalRequest | { deny: string } | undefined {
    if (tool.source === 'builtin' && tool.name === 'run_command') {
      const command = typeof args.command === 'string' ? args.command : '';
      const verdict = evaluateCommand(command, { allow: this.settings.allowCommands ?? [], deny: this.settings.denyCommands ?? [] });
      if (verdict.decision === 'deny') return { deny: `the command is on the deny list (${verdict.reason})` };
      if (verdict.decision === 'allow') return undefined;
      return { kind: 'command', tool: tool.name, summary: command, args };
    }
    if (tool.source === 'builtin' && READ_ONLY_BUILTINS.has(tool.name)) return undefined;
    if (tool.source === 'mcp' && tool.annotations?.readOnlyHint === true) return undefined;
    if (this.always.has(tool.name)) return undefined;
    return { kind: 'tool', tool: tool.name, server: tool.server, summary: `${tool.server ? `${tool.server}: ` : ''}${tool.tool} ${compactJson(args)}`, args };
  }

  async check(tool: AgentTool, args: Record<string, unknown>, signal?: AbortSignal, onAsk?: (req: ApprovalRequest) => void): Promise<ApprovalOutcome> {
    const req = this.requestFor(tool, args);
    if (!req) return { allowed: true, how: this.always.has(tool.name) ? 'remembered' : 'policy' };
    if ('deny' in req) return { allowed: false, reason: req.deny };
    onAsk?.(req);
    const decision = await this.approver.request(req, signal);
    if (decision === 'always') {
      // A command line is judged afresh every time; "always" applies to a tool, not to arbitrary commands.
      if (req.kind !== 'command') {
        this.always.add(tool.name);
        this.onRemember?.(tool.name);
      }
      return { allowed: true, how: 'user' };
    }
    if (decision === 'allow') return { allowed: true, how: 'user' };
    return { allowed: false, reason: 'the user declined to run it' };
  }

  /** Forget a standing approval (a tool whose description changed). */
  revoke(tool: string): void {
    this.always.delete(tool);
  }
}

function compactJson(value: unknown): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
