/**
 * Compaction: the model summarizes the older part of a conversation into one record that later requests send in
 * its place. A later compaction folds the earlier summary in. When summarizing fails, the caller prunes instead
 * (budget.ts), so a turn never fails for want of a summary.
 */
import type { ChatMessage, ChatProvider } from '../llm/types';
import { applySummary, isSummaryRecord, type SummaryRecord } from './budget';
import type { TokenCounter } from './tokens';

const INSTRUCTIONS = [
  'You write the memory of a coding agent. Summarize the conversation below so the agent can continue it without the original messages.',
  'Keep, under short headings: the user\'s goals and requests (in their words where it matters); decisions made and why; files, resources and commands touched (exact paths and names); key findings from tool results (numbers, errors, names); what is done; what is still open.',
  'Be specific and terse. Leave out pleasantries and anything the agent can look up again cheaply. Write in the language the user writes in.',
].join('\n');

/** Per tool result in the transcript given to the summarizer. */
const RESULT_CHARS = 1500;

function render(m: ChatMessage): string {
  switch (m.role) {
    case 'user':
      return `USER: ${m.content}`;
    case 'assistant':
      return [m.content ? `ASSISTANT: ${m.content}` : '', ...(m.tool_calls ?? []).map((c) => `ASSISTANT CALLS ${c.name} ${c.arguments.slice(0, 500)}`)].filter(Boolean).join('\n');
    case 'tool': {
      const text = m.content.length > RESULT_CHARS ? `${m.content.slice(0, RESULT_CHARS * 0.7)} […] ${m.content.slice(-RESULT_CHARS * 0.3)}` : m.content;
      return `TOOL RESULT (${m.name ?? 'tool'}): ${text}`;
    }
    case 'system':
      return '';
  }
}

export interface CompactInputs {
  provider: ChatProvider;
  counter: TokenCounter;
  history: ChatMessage[];
  /** Summarize history[0, cut). */
  cut: number;
  /** Tokens the summarizing request may use. */
  budget: number;
  maxSummaryTokens: number;
  signal?: AbortSignal;
}

/** The summary record for history[0, cut), or undefined when the model gave nothing usable. Throws what the provider throws. */
export async function summarize(i: CompactInputs): Promise<SummaryRecord | undefined> {
  const { system: earlier, rest, from } = applySummary(undefined, i.history.slice(0, i.cut));
  void from;
  let lines = rest.map(render).filter(Boolean);
  const head = earlier ? `${earlier}\n\nWhat happened after that:\n` : '';
  // The transcript must fit the summarizing request: the oldest lines go first.
  while (lines.length > 1 && i.counter.text(head + lines.join('\n')) > i.budget - i.counter.text(INSTRUCTIONS) - 200) lines = lines.slice(Math.ceil(lines.length / 8));
  let text = '';
  for await (const ev of i.provider.stream({
    messages: [
      { role: 'system', content: INSTRUCTIONS },
      { role: 'user', content: `${head}${lines.join('\n')}\n\nWrite the summary now.` },
    ],
    maxTokens: i.maxSummaryTokens,
    signal: i.signal,
  })) {
    if (ev.type === 'text') text += ev.delta;
  }
  text = text.trim();
  if (!text) return undefined;
  return { role: 'system', content: text, summaryOf: i.cut };
}

/** Whether `history` already has a summary covering at least `cut` messages. */
export function alreadySummarized(history: ChatMessage[], cut: number): boolean {
  return history.some((m) => isSummaryRecord(m) && m.summaryOf >= cut);
}
