/**
 * `store.url` / MCP_AGENT_STORE_URL: which conversation store a URL names, said without its password.
 * Unset means the file store; `postgres://` and `postgresql://` the PostgreSQL store; anything else is refused.
 */

export type StoreKind = 'postgres';

/** The store a URL names, or undefined when it names none we have (see storeUrlProblem). */
export function storeKind(url: string): StoreKind | undefined {
  return /^postgres(?:ql)?:\/\//i.test(url.trim()) ? 'postgres' : undefined;
}

/** Why a store URL cannot be used (one line, never the password), or undefined when it can. */
export function storeUrlProblem(url: string): string | undefined {
  const trimmed = url.trim();
  if (trimmed === '') return 'is empty; use postgres://user:password@host:5432/database, or leave it unset for the file store';
  if (storeKind(trimmed)) {
    try {
      new URL(trimmed);
    } catch {
      return `${safeStoreUrl(trimmed)} is not a valid URL; use postgres://user:password@host:5432/database`;
    }
    return undefined;
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  return `${scheme ? `${scheme}://` : JSON.stringify(safeStoreUrl(trimmed).slice(0, 60))} is not supported; use postgres:// or the file store (leave the store URL unset)`;
}

/** The URL with any password replaced, for messages and logs. */
export function safeStoreUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)([^@\s/]*)@/i, '$1[redacted]@');
}

/** The password a URL carries (decoded), to add to the known secrets; undefined when it has none. */
export function storeUrlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const p = new URL(url.trim()).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}
