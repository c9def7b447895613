/**
 * The SDK's HTTP transports with step-up authorization on an established connection: when a request is refused
 * (401, or 403 `insufficient_scope`) and the SDK has prepared a new authorization request, the user-agent step runs,
 * the code is exchanged on this transport (which knows the server's WWW-Authenticate scope and resource metadata),
 * and the request is sent once more. The SDK's own loop breakers still apply: a second identical 403 or a 401 right
 * after a successful authorization ends the request with an error.
 */
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { SSEClientTransport, type SSEClientTransportOptions } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, type StreamableHTTPClientTransportOptions } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ServerAuth } from './types';

export interface StepUpOptions {
  auth: ServerAuth;
  /**
   * Whether a refused request is re-authorized in place. McpAgent enables it once connected: while connecting it
   * handles a refusal itself, outside the connect timeout, with a fresh connection.
   */
  enabled: () => boolean;
}

type StreamableSendOptions = Parameters<StreamableHTTPClientTransport['send']>[1];

/** One step-up at a time per transport; a request refused meanwhile waits for it and is then sent again. */
class StepUp {
  private running?: Promise<void>;

  constructor(private readonly opts: StepUpOptions) {}

  async send(send: () => Promise<void>, finishAuth: (code: string) => Promise<void>): Promise<void> {
    try {
      return await send();
    } catch (err) {
      if (!(err instanceof UnauthorizedError) || !this.opts.enabled()) throw err;
      if (this.running) {
        await this.running.catch(() => undefined);
        return send();
      }
      const step = (async () => {
        const code = await this.opts.auth.completeAuthorization();
        if (code === undefined) throw err;
        await finishAuth(code);
      })();
      this.running = step;
      try {
        await step;
      } finally {
        this.running = undefined;
      }
      return send();
    }
  }
}

export class StepUpStreamableHTTPClientTransport extends StreamableHTTPClientTransport {
  private readonly stepUp: StepUp;

  constructor(url: URL, opts: StreamableHTTPClientTransportOptions, stepUp: StepUpOptions) {
    super(url, { ...opts, authProvider: stepUp.auth.provider });
    this.stepUp = new StepUp(stepUp);
  }

  override send(message: JSONRPCMessage | JSONRPCMessage[], options?: StreamableSendOptions): Promise<void> {
    return this.stepUp.send(
      () => super.send(message, options),
      (code) => this.finishAuth(code),
    );
  }
}

export class StepUpSSEClientTransport extends SSEClientTransport {
  private readonly stepUp: StepUp;

  constructor(url: URL, opts: SSEClientTransportOptions, stepUp: StepUpOptions) {
    super(url, { ...opts, authProvider: stepUp.auth.provider });
    this.stepUp = new StepUp(stepUp);
  }

  override send(message: JSONRPCMessage): Promise<void> {
    return this.stepUp.send(
      () => super.send(message),
      (code) => this.finishAuth(code),
    );
  }
}
