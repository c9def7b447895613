/**
 * Resources attached to a conversation, kept current: each one is subscribed to (`resources/subscribe`) where its
 * server supports it, and when the server says it changed (`notifications/resources/updated`) it is marked, so the
 * front (the panel, the CLI's chat) can say so and the next message carries the resource's current contents.
 *
 * One watch per conversation: `clear()` when the conversation changes or ends, which unsubscribes everything.
 */
import { describeError } from './errors';
import type { AgentManager } from './AgentManager';
import { neutralizeEnvelopeTags } from '../util/untrusted';
import { attr, resourceToContext } from './chatContext';

export interface WatchedResource {
  server: string;
  uri: string;
  /** What the user picked it as (shown in the panel). */
  name: string;
  /** Changed since it was attached, or since its contents last went with a message. */
  updated: boolean;
}

interface Entry extends WatchedResource {
  unsubscribe: () => Promise<void>;
}

export interface ResourceWatchOptions {
  /** Called whenever the list or a flag changes (the panel redraws its strip). */
  onChange?: (items: WatchedResource[]) => void;
  /** Cap on the text of one updated resource (default 32,000 characters). */
  maxChars?: number;
  timeoutMs?: number;
  logger?: { warn(message: string): void };
}

const key = (server: string, uri: string): string => `${server}\n${uri}`;

export class ResourceWatch {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by clear(), so a subscription that completes after it is undone rather than kept. */
  private epoch = 0;

  constructor(
    private readonly manager: AgentManager,
    private readonly opts: ResourceWatchOptions = {},
  ) {}

  /** Everything watched, in the order attached. */
  list(): WatchedResource[] {
    return [...this.entries.values()].map(({ server, uri, name, updated }) => ({ server, uri, name, updated }));
  }

  /**
   * Start watching resources just attached to a message. Those whose server cannot subscribe (or refuses) are left
   * alone: they were read once, as attached. Resolves when every subscription has been answered.
   */
  async watch(resources: ReadonlyArray<{ server: string; uri: string; name: string }>): Promise<void> {
    const epoch = this.epoch;
    await Promise.all(
      resources.map(async ({ server, uri, name }) => {
        const k = key(server, uri);
        if (this.entries.has(k)) return;
        if (!this.manager.agent(server)?.serverCapabilities?.resources?.subscribe) return;
        let unsubscribe: () => Promise<void>;
        try {
          unsubscribe = await this.manager.subscribe(server, uri, () => this.mark(k), { timeoutMs: this.opts.timeoutMs ?? 30_000 });
        } catch (err) {
          this.opts.logger?.warn(`[${server}] could not subscribe to ${uri}: ${describeError(err)}`);
          return;
        }
        if (epoch !== this.epoch || this.entries.has(k)) {
          await unsubscribe().catch(() => undefined);
          return;
        }
        this.entries.set(k, { server, uri, name, updated: false, unsubscribe });
        this.changed();
      }),
    );
  }

  /**
   * The current contents of every resource that changed, as context for the next message (between `<resource>`
   * delimiters, under one line that says why they are there), and the names of those included; their flags are
   * cleared. One that cannot be read now is named in the text instead. Undefined when nothing changed.
   */
  async takeUpdates(signal?: AbortSignal): Promise<{ text: string; names: string[] } | undefined> {
    const changed = [...this.entries.values()].filter((e) => e.updated);
    if (changed.length === 0) return undefined;
    for (const e of changed) e.updated = false;
    const parts = await Promise.all(
      changed.map(async (e) => {
        try {
          const { contents } = await this.manager.readResource(e.server, e.uri, { signal, timeoutMs: this.opts.timeoutMs ?? 30_000 });
          return resourceToContext(contents, { server: e.server, maxChars: this.opts.maxChars ?? 32_000 });
        } catch (err) {
          return `<resource uri="${attr(e.uri)}" server="${attr(e.server)}">(changed, but could not be read again: ${neutralizeEnvelopeTags(describeError(err))})</resource>`;
        }
      }),
    );
    this.changed();
    const intro = 'These attached resources changed since they were attached; their current contents:';
    return { text: `${intro}\n${parts.join('\n')}`, names: changed.map((e) => e.name) };
  }

  /** Stop watching one resource (the user dismissed it). */
  async unwatch(server: string, uri: string): Promise<void> {
    const k = key(server, uri);
    const e = this.entries.get(k);
    if (!e) return;
    this.entries.delete(k);
    this.changed();
    await e.unsubscribe().catch((err: unknown) => this.opts.logger?.warn(`[${server}] unsubscribing from ${uri} failed: ${describeError(err)}`));
  }

  /** Stop watching everything (a new or another conversation, or the end). */
  async clear(): Promise<void> {
    this.epoch++;
    const all = [...this.entries.values()];
    if (all.length === 0) return;
    this.entries.clear();
    this.changed();
    await Promise.all(all.map((e) => e.unsubscribe().catch(() => undefined)));
  }

  private mark(k: string): void {
    const e = this.entries.get(k);
    if (!e || e.updated) return;
    e.updated = true;
    this.changed();
  }

  private changed(): void {
    this.opts.onChange?.(this.list());
  }
}
