/**
 * The HTTP request being handled, for everything that runs on its behalf (the agent, the tools, the store): log lines
 * written while handling it carry its id (StderrLogger reads it here), without passing a logger down every call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export interface RequestInfo {
  /** X-Request-Id: the balancer's, when it sent a sane one, else ours. */
  id: string;
  /** The API user (key name, "default" for --token), once authenticated. */
  user?: string;
}

export const requestContext = new AsyncLocalStorage<RequestInfo>();

/** What an incoming X-Request-Id may be: short, printable, no spaces (it goes into log lines and a header). */
const SANE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given && SANE_ID.test(given) ? given : randomUUID();
}

/** `[req ID user=NAME] ` while handling a request, else ''. */
export function requestPrefix(): string {
  const r = requestContext.getStore();
  return r ? `[req ${r.id}${r.user ? ` user=${r.user}` : ''}] ` : '';
}
