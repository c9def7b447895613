/** Approval in a terminal: ask on a TTY, approve all with --yes, and deny (telling the model) otherwise. */
import type { ApprovalDecision, ApprovalRequest, Approver } from '../core/ports';
import { unattendedApprover } from '../core/ports';
import { visibleControls } from '../core/util/untrusted';
import { askLine, oneAtATime, terminalIO } from './interaction';

export function cliApprover(opts: { yes: boolean; interactive: boolean }): Approver {
  if (!opts.interactive) return unattendedApprover(opts.yes);
  const auto = unattendedApprover(true);
  return {
    request(req: ApprovalRequest, signal?: AbortSignal): Promise<ApprovalDecision> {
      // --yes covers everything but config writes, which are always put to the person at the terminal.
      if (opts.yes && req.kind !== 'config-write') return auto.request(req, signal);
      // One question at a time: parallel tool calls (and server requests) must not interleave their prompts.
      return oneAtATime(() => ask(req, signal));
    },
  };
}

async function ask(req: ApprovalRequest, signal?: AbortSignal): Promise<ApprovalDecision> {
  try {
    // The diff is already made safe to print (control characters escaped); the summary may hold anything.
    const diff = req.change ? `\n${req.change.diff}\n` : '';
    const summary = visibleControls(req.summary);
    const what =
      req.kind === 'command'
        ? `Run this command${req.cwd ? ` in ${visibleControls(req.cwd)}` : ''}?\n  $ ${summary}`
        : req.kind === 'config-write'
          ? `This may change MCP Agent's own configuration:\n  ${summary}${diff}\nAllow it?`
          : req.kind === 'edit'
            ? `${diff}\nApply this change to ${visibleControls(req.change?.path ?? summary)}?`
            : `Call ${summary}?`;
    const always = req.kind === 'tool' ? ', [a]lways for this tool' : '';
    const why = req.reason ? `\n  (asked because ${visibleControls(req.reason)})` : '';
    const answer = (await askLine(terminalIO(), `\n${what}${why}\n[y]es, [n]o${always}: `, signal)).trim().toLowerCase();
    if (answer === 'y' || answer === 'yes') return 'allow';
    if (always && (answer === 'a' || answer === 'always')) return 'always';
    return 'deny';
  } catch {
    return 'deny';
  }
}
