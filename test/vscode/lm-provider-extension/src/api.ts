// What the scripted chat model extension hands the in-host suites (its activate() exports). Types only: the
// suites import this file without pulling in the extension.

/** One scripted answer: text (streamed in pieces), then tool calls. */
export interface ScriptedLmResponse {
  text?: string;
  toolCalls?: Array<{ name: string; input: Record<string, unknown>; callId?: string }>;
  /** Characters per text part (default 12). */
  chunkSize?: number;
  /** Pause between parts (default 0). */
  delayMs?: number;
  /** Fail the request with this message instead. */
  error?: string;
}

export type RecordedPart =
  | { type: 'text'; value: string }
  | { type: 'toolCall'; callId: string; name: string; input: unknown }
  | { type: 'toolResult'; callId: string; content: string[] }
  | { type: 'data'; mimeType: string; base64: string }
  | { type: 'other'; value: string };

export interface RecordedLmRequest {
  modelId: string;
  messages: Array<{ role: 'user' | 'assistant' | 'other'; parts: RecordedPart[] }>;
  /** Names of the tools offered with the request. */
  tools: string[];
  /** Which extension asked (VS Code passes `requestInitiator`). */
  initiator?: string;
}

export interface ScriptedLmApi {
  readonly vendor: string;
  readonly modelId: string;
  /** Queue answers; when the queue is empty the model echoes the last user text. */
  enqueue(...responses: ScriptedLmResponse[]): void;
  /** Every request the model received, oldest first. */
  readonly requests: RecordedLmRequest[];
  reset(): void;
}
