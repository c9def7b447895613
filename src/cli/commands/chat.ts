/** `mcp-agent chat`: one prompt, or an interactive session; the answer streams to stdout, tool activity to stderr. */
import { describeTotals } from '../../core/llm/usage';
import { checkImages, imageFromFile, ImageInputError } from '../../core/llm/images';
import type { ImagePart } from '../../core/llm/types';
import { createInterface } from 'node:readline/promises';
import type { AgentEvent } from '../../core/agent/ChatSession';
import { ChatRequestError } from '../../core/agent/Agent';
import { publicEvent } from '../../core/agent/publicEvents';
import type { ContextReport } from '../../core/context/manager';
import type { AgentManager } from '../../core/mcp/AgentManager';
import { McpServerError } from '../../core/mcp/errors';
import { ResourceWatch } from '../../core/mcp/resourceWatch';
import { buildUserTurn, UserTurnError, type UserTurnInput } from '../../core/mcp/userTurn';
import { cliApprover } from '../approver';
import { listCheckpoints, undoLastTurn } from './checkpoints';
import { CliError, EXIT, type CommonOptions } from '../context';
import { askLine, oneAtATime, shareInterface, terminalIO } from '../interaction';
import { createRuntime } from '../runtime';
import { visibleControls } from '../../core/util/untrusted';

export interface ChatOptions extends CommonOptions {
  model?: string;
  yes: boolean;
  conversation?: string;
  /** `SERVER/NAME`: the server's prompt is the first message. */
  prompt?: string;
  /** `k=v` arguments for the prompt. */
  args?: string[];
  /** `SERVER:URI` resources attached to the first message. */
  attach?: string[];
  /** Image files sent with the first message. */
  images?: string[];
  /** Leave out the model's reasoning (stderr, and `reasoning` events with --json). */
  hideReasoning?: boolean;
}

export async function runChat(opts: ChatOptions, prompt: string | undefined): Promise<number> {
  const promptRef = opts.prompt === undefined ? undefined : parsePromptRef(opts.prompt);
  const promptArgs = parseArgPairs(opts.args ?? []);
  const attachments = (opts.attach ?? []).map(parseAttachment);
  // Read and checked before any server starts: a wrong file is a usage error, not a failed turn.
  let images: ImagePart[] | undefined;
  try {
    images = opts.images?.length ? checkImages(await Promise.all(opts.images.map(imageFromFile))) : undefined;
  } catch (err) {
    if (err instanceof ImageInputError) throw new CliError(`--image ${err.message}`, EXIT.usage);
    throw err;
  }
  if (images && prompt === undefined && !opts.prompt && !(opts.attach ?? []).length && process.stdin.isTTY) throw new CliError('--image goes with a message: give the prompt too (mcp-agent chat --image shot.png "What is wrong here?")', EXIT.usage);
  const interactive = prompt === undefined;
  if (interactive && !process.stdin.isTTY && !promptRef) {
    // Piped input: the whole of stdin is the prompt.
    prompt = await readStdin();
    if (!prompt.trim()) throw new CliError('no prompt given (pass one as an argument or on stdin)', EXIT.usage);
  }
  const runtime = await createRuntime({ ...opts, approver: cliApprover({ yes: opts.yes, interactive: process.stdin.isTTY === true && !opts.json }) });
  let conversationId = opts.conversation;
  // In a session, attached resources are watched: one that changes is announced, and goes again with the next message.
  const session = interactive && process.stdin.isTTY === true;
  const announced = new Set<string>();
  const watch = session
    ? new ResourceWatch(runtime.manager, {
        logger: { warn: (m) => process.stderr.write(`mcp-agent: ${visibleControls(m)}\n`) },
        onChange: (items) => {
          for (const w of items) {
            const k = `${w.server} ${w.uri}`;
            if (!w.updated) announced.delete(k);
            else if (!announced.has(k)) {
              announced.add(k);
              process.stderr.write(`\n[${visibleControls(w.server)}: ${visibleControls(w.uri)} changed since it was attached; its current contents go with your next message]\n`);
            }
          }
        },
      })
    : undefined;
  const watchAll = (list: Array<{ server: string; uri: string }>) => watch?.watch(list.map((a) => ({ ...a, name: a.uri })));
  try {
    if (promptRef || attachments.length) {
      // The first message: the server's prompt and/or the attached resources, then any text given.
      if (promptRef) await checkPrompt(runtime.manager, promptRef, promptArgs);
      await watchAll(attachments);
      const r = await turn({ text: prompt, attachments, ...(promptRef ? { prompt: { ...promptRef, args: promptArgs } } : {}) });
      if (prompt !== undefined || !process.stdin.isTTY) return r;
    } else if (prompt !== undefined) {
      const r = await turn({ text: prompt });
      return r;
    }
    process.stderr.write(
      `mcp-agent chat (${runtime.llm.model}, ${runtime.toolbox.list().length} tools). /prompt SERVER/NAME [k=v ...] runs a server prompt, /attach SERVER:URI [text] attaches a resource, /undo takes back the last turn's changes, /checkpoints lists them, /compact summarizes the conversation so far. Ctrl-C stops an answer; Ctrl-D quits.\n`,
    );
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    // Approvals and server questions during a turn are asked through this interface.
    const unshare = shareInterface(process.stdin, rl);
    try {
      for (;;) {
        let line: string;
        try {
          line = await rl.question('\n> ');
        } catch {
          break;
        }
        if (!line.trim()) continue;
        if (line.trim() === '/exit' || line.trim() === '/quit') break;
        if (line.trim() === '/compact') {
          await compactNow();
          continue;
        }
        if (line.trim() === '/undo' || line.trim() === '/checkpoints') {
          const cp = await runtime.runtime.checkpoints();
          if (!cp) process.stderr.write(`${runtime.runtime.checkpointsOff ?? 'Checkpoints are off (tools.checkpoints is false).'}\n`);
          else await (line.trim() === '/undo' ? undoLastTurn(cp) : listCheckpoints(cp)).catch((err: Error) => process.stderr.write(`mcp-agent: ${err.message}\n`));
          continue;
        }
        const slash = /^\/(prompt|attach)\s+(.*)$/.exec(line.trim());
        if (slash) {
          // `/prompt SERVER/NAME [k=v ...]` and `/attach SERVER:URI [text]`, as --prompt and --attach do.
          const [head, ...rest] = slash[2].split(/\s+/);
          try {
            if (slash[1] === 'prompt') {
              const ref = parsePromptRef(head);
              const args = parseArgPairs(rest);
              await checkPrompt(runtime.manager, ref, args);
              await turn({ prompt: { ...ref, args } });
            } else {
              const attach = [parseAttachment(head)];
              await watchAll(attach);
              await turn({ text: rest.join(' ') || undefined, attachments: attach });
            }
          } catch (err) {
            if (!(err instanceof CliError)) throw err;
            process.stderr.write(`mcp-agent: ${visibleControls(err.message)}\n`);
          }
          continue;
        }
        await turn({ text: line });
      }
    } finally {
      unshare();
      rl.close();
    }
    return EXIT.ok;
  } finally {
    await watch?.clear();
    await runtime.dispose();
  }

  /** `/compact`: the conversation so far is summarized for the model; every message stays stored. */
  async function compactNow(): Promise<void> {
    if (!conversationId) {
      process.stderr.write('[context] nothing to compact yet\n');
      return;
    }
    try {
      const { summarized } = await runtime.agent.compact(conversationId);
      process.stderr.write(summarized ? `[context] compacted: the ${summarized} oldest messages are summarized for the model (all of them stay stored)\n` : '[context] nothing to compact yet (only the last turn)\n');
    } catch (err) {
      process.stderr.write(`mcp-agent: could not compact: ${visibleControls((err as Error).message)}\n`);
    }
  }

  /** One turn: the user's message built in the core (core/mcp/userTurn.ts), as the panel builds it. */
  async function turn(message: UserTurnInput): Promise<number> {
    let request;
    try {
      ({ request } = await buildUserTurn(runtime.manager, { ...message, watch }));
    } catch (err) {
      if (!(err instanceof UserTurnError)) throw err;
      const cause = err.cause;
      throw new CliError(err.message, cause instanceof McpServerError ? (cause.kind === 'protocol' ? EXIT.toolError : cause.kind === 'not-found' ? EXIT.usage : EXIT.unreachable) : EXIT.toolError);
    }
    // The images go with the first message only.
    const pictures = images;
    images = undefined;
    const ac = new AbortController();
    const onSigint = () => {
      if (ac.signal.aborted) process.exit(130);
      ac.abort();
      process.stderr.write('\n[stopping]\n');
    };
    process.on('SIGINT', onSigint);
    let endedWithNewline = true;
    let thinking = false;
    try {
      const r = await runtime.agent.chat({
        ...request,
        ...(pictures ? { images: pictures } : {}),
        conversationId,
        signal: ac.signal,
        onEvent: (e) => {
          if (e.type === 'reasoning' && opts.hideReasoning) return;
          if (opts.json) {
            const pub = publicEvent(e);
            if (pub) process.stdout.write(`${JSON.stringify(pub)}\n`);
          } else if (e.type === 'reasoning') {
            // Thinking goes to stderr, dim, so stdout keeps only the answer.
            process.stderr.write(`${thinking ? '' : endedWithNewline ? '' : '\n'}${dim(e.delta)}`);
            thinking = true;
            endedWithNewline = e.delta.endsWith('\n');
          } else {
            if (thinking && !endedWithNewline) process.stderr.write('\n');
            if (thinking) endedWithNewline = true;
            thinking = false;
            endedWithNewline = printEvent(e, endedWithNewline, opts.verbose);
          }
        },
      });
      conversationId = r.conversation_id;
      if (!opts.json && !endedWithNewline) process.stdout.write('\n');
      if (!opts.json && r.error) process.stderr.write(`mcp-agent: ${visibleControls(r.error)}\n`);
      if (r.stopReason === 'cancelled') return 130;
      return r.stopReason === 'completed' ? EXIT.ok : EXIT.toolError;
    } catch (err) {
      if (err instanceof ChatRequestError) throw new CliError(err.message, EXIT.usage);
      throw err;
    } finally {
      process.off('SIGINT', onSigint);
    }
  }
}

function parsePromptRef(ref: string): { server: string; name: string } {
  const i = ref.indexOf('/');
  if (i <= 0 || i === ref.length - 1) throw new CliError(`--prompt needs SERVER/NAME (see mcp-agent prompts), not "${ref}"`, EXIT.usage);
  return { server: ref.slice(0, i), name: ref.slice(i + 1) };
}

function parseArgPairs(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new CliError(`--arg needs NAME=VALUE, not "${p}"`, EXIT.usage);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

function parseAttachment(a: string): { server: string; uri: string } {
  const i = a.indexOf(':');
  if (i <= 0 || i === a.length - 1) throw new CliError(`--attach needs SERVER:URI (see mcp-agent resources), not "${a}"`, EXIT.usage);
  return { server: a.slice(0, i), uri: a.slice(i + 1) };
}

/** The prompt exists on a connected server and has its required arguments (asked on a terminal, else an error). */
async function checkPrompt(manager: AgentManager, ref: { server: string; name: string }, args: Record<string, string>): Promise<void> {
  const status = manager.servers().find((s) => s.name === ref.server);
  if (!status) throw new CliError(`no server named "${ref.server}" (see mcp-agent servers)`, EXIT.usage);
  if (status.state !== 'connected') throw new CliError(`server "${ref.server}" is not connected${status.lastError ? `: ${status.lastError}` : ''}`, EXIT.unreachable);
  const spec = manager.prompts().find((p) => p.server === ref.server && p.name === ref.name);
  if (!spec) throw new CliError(`server "${ref.server}" has no prompt "${ref.name}" (see mcp-agent prompts)`, EXIT.usage);
  const missing = (spec.arguments ?? []).filter((a) => a.required && !(a.name in args));
  if (missing.length) {
    if (!process.stdin.isTTY) throw new CliError(`prompt ${ref.server}/${ref.name} needs ${missing.map((a) => `--arg ${a.name}=...`).join(' ')}`, EXIT.usage);
    await oneAtATime(async () => {
      for (const a of missing) args[a.name] = await askArgument(manager, ref, a, args);
    });
  }
}

/** Asks for one prompt argument on the terminal, offering the server's completions. */
async function askArgument(manager: AgentManager, ref: { server: string; name: string }, arg: { name: string; description?: string }, known: Record<string, string>): Promise<string> {
  const io = terminalIO();
  const hints = await manager
    .complete(ref.server, { type: 'ref/prompt', name: ref.name }, { name: arg.name, value: '' }, known)
    .then((c) => c.values)
    .catch(() => [] as string[]);
  io.output.write(visibleControls(`\n${arg.name}${arg.description ? `: ${arg.description}` : ''}\n${hints.length ? `  suggestions: ${hints.slice(0, 10).join(', ')}\n` : ''}`));
  for (;;) {
    let answer: string;
    try {
      answer = (await askLine(io, `${arg.name}: `)).trim();
    } catch {
      throw new CliError(`prompt ${ref.server}/${ref.name} needs --arg ${arg.name}=...`, EXIT.usage);
    }
    if (answer) return answer;
  }
}

function printEvent(e: AgentEvent, endedWithNewline: boolean, verbose: boolean): boolean {
  switch (e.type) {
    case 'text':
      process.stdout.write(visibleControls(e.delta));
      return e.delta.endsWith('\n');
    case 'tool_call':
      process.stderr.write(`${endedWithNewline ? '' : '\n'}[tool] ${visibleControls(e.name)} ${visibleControls(short(JSON.stringify(e.arguments)))}\n`);
      return true;
    case 'approval':
      return endedWithNewline;
    case 'checkpoint':
      process.stderr.write(`${endedWithNewline ? '' : '\n'}[checkpoint ${e.id.slice(0, 10)}: /undo or mcp-agent checkpoints restore ${e.id.slice(0, 10)} puts back the workspace as it was before this turn]\n`);
      return true;
    case 'tool_result':
      process.stderr.write(`[tool] ${visibleControls(e.name)} ${e.isError ? 'failed' : 'done'} in ${e.durationMs} ms${e.isError || verbose ? `: ${visibleControls(short(e.content))}` : ''}\n`);
      return true;
    case 'context':
      // Notes (a compaction, a learned window) always; the meter with --verbose.
      if (e.note) process.stderr.write(`${endedWithNewline ? '' : '\n'}[context] ${e.note}\n`);
      else if (e.report && verbose) process.stderr.write(`${endedWithNewline ? '' : '\n'}[context] ${describeContext(e.report)}\n`);
      else return endedWithNewline;
      return true;
    case 'error':
      return endedWithNewline;
    case 'done':
      if (!verbose || !e.totals?.turns) return endedWithNewline;
      process.stderr.write(`${endedWithNewline ? '' : '\n'}[tokens] this conversation: ${describeTotals(e.totals)}\n`);
      return true;
    default:
      return endedWithNewline;
  }
}

/** `5,120 of 13,000 tokens (window 16,384, endpoint): system 900, tools 1,200, history 2,000, results 1,020`. */
export function describeContext(r: ContextReport): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const b = r.breakdown;
  const cut = [r.stubbed && `${r.stubbed} older results stubbed`, r.dropped && `${r.dropped} messages left out`, r.shortened && `${r.shortened} results cut`, r.summarized && `${r.summarized} messages summarized`].filter(Boolean);
  return `${n(r.used)} of ${n(r.budget)} tokens (window ${n(r.window)}, ${r.windowSource}${r.exact ? '' : ', estimated'}): system ${n(b.system)}, tools ${n(b.tools)}, history ${n(b.history)}, results ${n(b.results)}${cut.length ? `; ${cut.join(', ')}` : ''}`;
}

/** Dim on a colour terminal (and without NO_COLOR); as is elsewhere. */
function dim(text: string): string {
  return process.stderr.isTTY && !process.env.NO_COLOR ? `\x1b[2m${text}\x1b[22m` : text;
}

function short(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}
