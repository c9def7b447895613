/** `mcp-agent chat`: one prompt, or an interactive session; the answer streams to stdout, tool activity to stderr. */
import { createInterface } from 'node:readline/promises';
import type { AgentEvent } from '../../core/agent/ChatSession';
import { ChatRequestError } from '../../core/agent/Agent';
import { cliApprover } from '../approver';
import { CliError, EXIT, type CommonOptions } from '../context';
import { createRuntime } from '../runtime';

export interface ChatOptions extends CommonOptions {
  model?: string;
  yes: boolean;
  conversation?: string;
}

export async function runChat(opts: ChatOptions, prompt: string | undefined): Promise<number> {
  const interactive = prompt === undefined;
  if (interactive && !process.stdin.isTTY) {
    // Piped input: the whole of stdin is the prompt.
    prompt = await readStdin();
    if (!prompt.trim()) throw new CliError('no prompt given (pass one as an argument or on stdin)', EXIT.usage);
  }
  const runtime = await createRuntime({ ...opts, approver: cliApprover({ yes: opts.yes, interactive: process.stdin.isTTY === true && !opts.json }) });
  let conversationId = opts.conversation;
  try {
    if (prompt !== undefined) {
      const r = await turn(prompt);
      return r;
    }
    process.stderr.write(`mcp-agent chat (${runtime.llm.model}, ${runtime.toolbox.list().length} tools). Ctrl-C stops an answer; Ctrl-D quits.\n`);
    const rl = createInterface({ input: process.stdin, output: process.stderr });
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
        await turn(line);
      }
    } finally {
      rl.close();
    }
    return EXIT.ok;
  } finally {
    await runtime.dispose();
  }

  async function turn(text: string): Promise<number> {
    const ac = new AbortController();
    const onSigint = () => {
      if (ac.signal.aborted) process.exit(130);
      ac.abort();
      process.stderr.write('\n[stopping]\n');
    };
    process.on('SIGINT', onSigint);
    let endedWithNewline = true;
    try {
      const r = await runtime.agent.chat({
        prompt: text,
        conversationId,
        signal: ac.signal,
        onEvent: (e) => {
          if (opts.json) process.stdout.write(`${JSON.stringify(jsonEvent(e))}\n`);
          else endedWithNewline = printEvent(e, endedWithNewline, opts.verbose);
        },
      });
      conversationId = r.conversation_id;
      if (!opts.json && !endedWithNewline) process.stdout.write('\n');
      if (!opts.json && r.error) process.stderr.write(`mcp-agent: ${r.error}\n`);
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

/** JSON lines carry everything but the raw MCP result (the `content` text already has it). */
function jsonEvent(e: AgentEvent): AgentEvent {
  return e.type === 'tool_result' ? { ...e, result: undefined } : e;
}

function printEvent(e: AgentEvent, endedWithNewline: boolean, verbose: boolean): boolean {
  switch (e.type) {
    case 'text':
      process.stdout.write(e.delta);
      return e.delta.endsWith('\n');
    case 'tool_call':
      process.stderr.write(`${endedWithNewline ? '' : '\n'}[tool] ${e.name} ${short(JSON.stringify(e.arguments))}\n`);
      return true;
    case 'approval':
      return endedWithNewline;
    case 'tool_result':
      process.stderr.write(`[tool] ${e.name} ${e.isError ? 'failed' : 'done'} in ${e.durationMs} ms${e.isError || verbose ? `: ${short(e.content)}` : ''}\n`);
      return true;
    case 'error':
      return endedWithNewline;
    default:
      return endedWithNewline;
  }
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
