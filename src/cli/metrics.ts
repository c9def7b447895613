/**
 * The HTTP API's Prometheus metrics (`GET /metrics`), in a registry of the server's own (never prom-client's global
 * one, so two servers in one process, as in tests, count apart). Fed from each turn's events: the agent already
 * reports tool results with their server and error flag, model errors with their kind, usage per model call, and
 * the stop reason in `done`. Every label takes few values (outcomes, error kinds, configured server names).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AgentEvent } from '../core/agent/ChatSession';

/** How a turn ended: the agent's stop reason, or what the server did to it. */
export type TurnOutcome = 'completed' | 'cancelled' | 'round-cap' | 'error' | 'timeout' | 'shutdown' | 'disconnected' | 'rejected' | 'failed';

/** The kinds a model error event carries (LlmError's), counted; others (the round cap) are not model errors. */
const MODEL_ERROR_KINDS = new Set(['auth', 'model', 'rate-limit', 'server', 'network', 'bad-request', 'context-length', 'stream']);

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly turns = new Counter({ name: 'mcp_agent_turns_total', help: 'Turns run (chat, stream, compact), by how they ended', labelNames: ['endpoint', 'outcome'], registers: [this.registry] });
  private readonly turnSeconds = new Histogram({
    name: 'mcp_agent_turn_duration_seconds',
    help: 'Time from the start of a turn to its end',
    labelNames: ['endpoint'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320, 640],
    registers: [this.registry],
  });
  private readonly active = new Gauge({ name: 'mcp_agent_active_turns', help: 'Turns running now', registers: [this.registry] });
  private readonly refused = new Counter({ name: 'mcp_agent_turns_refused_total', help: 'Turns refused before they started: capacity (429, --max-turns) or draining (503, shutting down)', labelNames: ['reason'], registers: [this.registry] });
  private readonly toolCalls = new Counter({ name: 'mcp_agent_tool_calls_total', help: 'Tool calls by server ("builtin" for built-in tools) and outcome', labelNames: ['server', 'outcome'], registers: [this.registry] });
  private readonly modelErrors = new Counter({ name: 'mcp_agent_model_errors_total', help: 'Model calls that failed, by kind', labelNames: ['kind'], registers: [this.registry] });
  private readonly tokens = new Counter({ name: 'mcp_agent_tokens_total', help: 'Model tokens: prompt, completion, and cached (of the prompt tokens, read from the endpoint cache)', labelNames: ['type'], registers: [this.registry] });
  private readonly requests = new Counter({ name: 'mcp_agent_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [this.registry] });

  constructor(opts: { processMetrics?: boolean } = {}) {
    // Process metrics (CPU, memory, event loop lag, handles) only where one server owns the process (serve).
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'mcp_agent_' });
    // Series that exist from the start read 0 rather than missing.
    for (const reason of ['capacity', 'draining']) this.refused.inc({ reason }, 0);
    for (const type of ['prompt', 'completion', 'cached']) this.tokens.inc({ type }, 0);
  }

  /** Starts a turn: the active gauge goes up; call the result once when it ends. */
  turnStarted(endpoint: string): (outcome: TurnOutcome) => void {
    this.active.inc();
    const stop = this.turnSeconds.startTimer({ endpoint });
    let ended = false;
    return (outcome) => {
      if (ended) return;
      ended = true;
      this.active.dec();
      stop();
      this.turns.inc({ endpoint, outcome });
    };
  }

  turnRefused(reason: 'capacity' | 'draining'): void {
    this.refused.inc({ reason });
  }

  /** One of a turn's events. */
  event(e: AgentEvent): void {
    switch (e.type) {
      case 'tool_result':
        this.toolCalls.inc({ server: e.server ?? 'builtin', outcome: e.isError ? 'error' : 'ok' });
        break;
      case 'usage':
        this.tokens.inc({ type: 'prompt' }, e.usage.promptTokens);
        this.tokens.inc({ type: 'completion' }, e.usage.completionTokens);
        if (e.usage.cachedTokens) this.tokens.inc({ type: 'cached' }, e.usage.cachedTokens);
        break;
      case 'error':
        // An error without a kind is a model call that failed in a way the provider did not classify.
        if (e.kind === undefined || MODEL_ERROR_KINDS.has(e.kind)) this.modelErrors.inc({ kind: e.kind ?? 'other' });
        break;
      default:
        break;
    }
  }

  request(route: string, status: number): void {
    this.requests.inc({ route, status: String(status) });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
