/**
 * Streaming responsiveness of the chat webview: streams `tokens` text deltas at `tokensPerSecond` (one host
 * message per token, as the host posts them) into a page opened by the harness, and reports long tasks (> 50 ms,
 * from PerformanceObserver('longtask')), renders per second of the growing answer (MutationObserver callbacks on
 * it: one per frame that changed it), and whether every token arrived (the answer's Copy button posts the Markdown
 * source, which must equal the concatenation of the tokens).
 */
import type { Page } from 'playwright-core';

export interface StreamOptions {
  tokens?: number;
  tokensPerSecond?: number;
  turnId?: string;
}

export interface StreamMeasurement {
  /** Tasks over 50 ms while streaming and finishing. */
  longTasks: number;
  /** Duration of the longest of those (0 when none). */
  longestTaskMs: number;
  /** How often the answer's DOM changed, per second of streaming. */
  rendersPerSecond: number;
  /** Every token arrived: the answer's source equals the concatenation of the tokens, and its last words show. */
  complete: boolean;
  tokens: number;
  chars: number;
  durationMs: number;
}

/** A Markdown answer of exactly `count` tokens (~4 characters each): headings, paragraphs, lists, code. */
export function makeTokens(count: number): string[] {
  const words = 'the agent reads files runs tools and streams an answer with code lists and links while the view stays responsive for the user'.split(' ');
  const parts: string[] = [];
  let section = 0;
  let size = 0;
  while (size < count * 5) {
    section += 1;
    const para = Array.from({ length: 70 }, (_, i) => {
      const w = words[(i * 7 + section) % words.length];
      return i % 23 === 5 ? `**${w}**` : i % 17 === 3 ? `\`${w}()\`` : w;
    }).join(' ');
    const list = Array.from({ length: 5 }, (_, i) => `- item ${section}.${i}: ${words.slice(i, i + 6).join(' ')}`).join('\n');
    const code = Array.from({ length: 8 }, (_, i) => `  const v${i} = await tool${section}("arg-${i}", { limit: ${i * 10} });`).join('\n');
    const chunk = `## Section ${section}\n\n${para}.\n\n${list}\n\n\`\`\`ts\nasync function run${section}() {\n${code}\n}\n\`\`\`\n\n`;
    parts.push(chunk);
    size += chunk.length;
  }
  const tokens = parts.join('').match(/\s*\S{1,4}|\s+/g) ?? [];
  return tokens.slice(0, count);
}

export async function measureStreaming(page: Page, options: StreamOptions = {}): Promise<StreamMeasurement> {
  const tokens = makeTokens(options.tokens ?? 10_000);
  const rate = options.tokensPerSecond ?? 1000;
  const turnId = options.turnId ?? `bench-${Date.now()}`;
  return page.evaluate(
    async ({ tokens, rate, turnId }) => {
      const w = window as unknown as { __posted: Array<{ type: string; text?: string }> };
      const frame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));
      if (!PerformanceObserver.supportedEntryTypes.includes('longtask')) throw new Error('this browser does not report long tasks');

      window.postMessage({ type: 'turnStart', turnId, userText: 'Stream a long answer' }, '*');
      await new Promise((r) => setTimeout(r, 50));
      await frame();
      const answer = document.querySelector(`.message.assistant[data-turn-id="${turnId}"]`);
      if (!answer) throw new Error('the turn did not start');

      const longTasks: number[] = [];
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) longTasks.push(e.duration);
      });
      observer.observe({ type: 'longtask', buffered: false });
      let renders = 0;
      const mutations = new MutationObserver(() => {
        renders += 1;
      });
      mutations.observe(answer, { childList: true, subtree: true, characterData: true });

      const start = performance.now();
      let i = 0;
      await new Promise<void>((resolve) => {
        const pump = (): void => {
          const due = Math.min(tokens.length, Math.floor(((performance.now() - start) * rate) / 1000));
          while (i < due) {
            window.postMessage({ type: 'turnEvent', turnId, event: { type: 'text', delta: tokens[i] } }, '*');
            i += 1;
          }
          if (i >= tokens.length) resolve();
          else setTimeout(pump, 4);
        };
        pump();
      });
      const streamed = performance.now() - start;
      window.postMessage({ type: 'turnEvent', turnId, event: { type: 'done', stopReason: 'completed' } }, '*');
      await new Promise((r) => setTimeout(r, 300));
      await frame();
      await frame();
      for (const e of observer.takeRecords()) longTasks.push(e.duration);
      observer.disconnect();
      mutations.disconnect();

      const expected = tokens.join('');
      const copy = answer.querySelector<HTMLButtonElement>('.message-copy');
      const before = w.__posted.length;
      copy?.click();
      const copied = w.__posted.slice(before).find((m) => m.type === 'copy')?.text;
      // Markdown syntax does not show; hyphens inside a word (arg-0) do.
      const lastWord = (expected.trim().split(/\s+/).pop() ?? '').replace(/[*`#]/g, '');
      const shown = (answer.textContent ?? '').replace(/\s+/g, ' ');
      const over = longTasks.filter((d) => d > 50);
      return {
        longTasks: over.length,
        longestTaskMs: over.length ? Math.max(...over) : 0,
        rendersPerSecond: renders / (streamed / 1000),
        complete: copied === expected && shown.includes(lastWord),
        tokens: tokens.length,
        chars: expected.length,
        durationMs: streamed,
      };
    },
    { tokens, rate, turnId },
  );
}
