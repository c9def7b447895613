/** Which conversation store the settings name: files (the default) or PostgreSQL (`store.url: postgres://…`). */
import type { Logger } from '../ports';
import { Conversations } from './Conversations';
import { PostgresConversations } from './postgres';
import { ConversationError, type ConversationStore } from './types';
import { storeKind, storeUrlProblem } from './url';

export interface StoreOptions {
  /** `store.url`; unset: the file store. */
  url?: string;
  /** The file store's data directory (default: the platform's). */
  dataDir?: string;
  logger?: Logger;
}

/** The store; nothing is opened yet (check() opens and, for PostgreSQL, migrates). Throws `invalid` for a URL we cannot use. */
export function createConversationStore(opts: StoreOptions): ConversationStore {
  const url = opts.url?.trim();
  if (!url) return new Conversations({ dataDir: opts.dataDir, logger: opts.logger });
  const problem = storeUrlProblem(url);
  if (problem || storeKind(url) !== 'postgres') throw new ConversationError(`store.url: ${problem ?? 'not supported'}`, 'invalid', '');
  return new PostgresConversations({ url, logger: opts.logger });
}
