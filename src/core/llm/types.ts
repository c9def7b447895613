/** The provider interface the agent loop talks to. OpenAI-compatible endpoints and VS Code's language-model API implement it. */

export interface ToolCall {
  id: string;
  name: string;
  /** Raw JSON text as the model produced it; may be malformed. */
  arguments: string;
}

/** An image as base64 data with its MIME type (`image/png`, `image/jpeg`, ...). */
export interface ImagePart {
  mimeType: string;
  data: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  /** `images`: pictures that go with the text (a server's sampling request), for models that take them. */
  | { role: 'user'; content: string; images?: ImagePart[] }
  /**
   * `usage`: the whole turn's tokens, on the turn's last assistant message (kept in the store; not sent on the wire).
   * `reasoning`: what a reasoning model thought before this message (not part of the answer).
   */
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCall[]; usage?: Usage; reasoning?: string }
  /**
   * `isError`: the tool reported a failure (kept in the store; not sent on the wire). `images`: pictures the tool
   * returned, for models that see images (after the tool messages, as a user message of image parts).
   */
  | { role: 'tool'; tool_call_id: string; name?: string; content: string; isError?: boolean; images?: ImagePart[] };

export interface FunctionSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Of the prompt tokens, those the endpoint read from its prompt cache (when it says). */
  cachedTokens?: number;
}

export type StreamEvent =
  | { type: 'text'; delta: string }
  /** A reasoning model's thinking (`reasoning_content` / `reasoning` deltas), streamed before or between answer text. */
  | { type: 'reasoning'; delta: string }
  /** A tool call, emitted once its arguments are complete. */
  | { type: 'tool_call'; call: ToolCall }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: string };

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: FunctionSpec[];
  model?: string;
  signal?: AbortSignal;
  /** Generation limits (MCP sampling passes the server's); unset means the endpoint's defaults. */
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
}

export interface ChatProvider {
  /** e.g. `openai`, `vscode-lm`. */
  readonly id: string;
  /** The model requests go to unless one is given. */
  readonly model: string;
  stream(request: ChatRequest): AsyncIterable<StreamEvent>;
  /** True when stored reasoning goes back to the model on assistant messages with tool calls (so it takes room in the window). */
  readonly sendsReasoning?: boolean;
  /** The model's input window in tokens, where the provider knows it (VS Code's chat models do). */
  contextWindow?(): Promise<number | undefined>;
  /** Whether the model takes images, where the provider knows it (VS Code's chat models say); else by family. */
  seesImages?(): Promise<boolean | undefined>;
  /** Embeddings, where the endpoint has them; callers fall back to lexical ranking when this throws or is absent. */
  embed?(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}

/** A failure the user can act on; `message` is one line meant for people, with no stack trace. */
export class LlmError extends Error {
  constructor(
    message: string,
    readonly kind: 'auth' | 'model' | 'rate-limit' | 'server' | 'network' | 'bad-request' | 'context-length' | 'cancelled' | 'stream',
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LlmError';
  }
}
