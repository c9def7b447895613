/**
 * What the connected servers offer beyond tools, as the `@` and `/` pickers need it: resources, templates and
 * prompts (asked of the host each time a picker opens; the last answer is shown meanwhile), and completion
 * suggestions (`completion/complete`) for prompt arguments and template variables.
 */
import type { HostMessage, PromptItem, ResourceItem, WebviewMessage } from '../../src/shared/protocol';
import { post } from './vscode';

type CompleteRef = Extract<WebviewMessage, { type: 'complete' }>['ref'];

export class Catalog {
  resources: ResourceItem[] = [];
  prompts: PromptItem[] = [];
  errors: string[] = [];
  loaded = false;
  private loading = false;
  private seq = 0;
  private readonly completions = new Map<string, (values: string[]) => void>();
  /** The host answered `catalog`. */
  onChange?: () => void;

  refresh(): void {
    if (this.loading) return;
    this.loading = true;
    post({ type: 'catalog' });
  }

  /** Suggestions for `argument` (empty when the server has none or does not answer within a few seconds). */
  complete(server: string, ref: CompleteRef, argument: { name: string; value: string }, context?: Record<string, string>): Promise<string[]> {
    this.seq += 1;
    const requestId = `c${this.seq}`;
    return new Promise<string[]>((resolve) => {
      const timer = setTimeout(() => {
        this.completions.delete(requestId);
        resolve([]);
      }, 5_000);
      this.completions.set(requestId, (values) => {
        clearTimeout(timer);
        this.completions.delete(requestId);
        resolve(values);
      });
      post({ type: 'complete', requestId, server, ref, argument, ...(context && Object.keys(context).length ? { context } : {}) });
    });
  }

  /** Handles the message when it is one of ours; false otherwise. */
  handle(msg: HostMessage): boolean {
    if (msg.type === 'catalog') {
      this.resources = msg.resources ?? [];
      this.prompts = msg.prompts ?? [];
      this.errors = msg.errors ?? [];
      this.loaded = true;
      this.loading = false;
      this.onChange?.();
      return true;
    }
    if (msg.type === 'completion') {
      this.completions.get(msg.requestId)?.(msg.values ?? []);
      return true;
    }
    return false;
  }
}
