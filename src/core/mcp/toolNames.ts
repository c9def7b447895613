/**
 * Collision-free tool names that are valid OpenAI function names (^[a-zA-Z0-9_-]{1,64}$): `<server>__<tool>`.
 *
 * The server part never contains `__` (runs of underscores collapse), so a name splits unambiguously at its first
 * `__`. Server parts that would collide after sanitizing (`a.b` and `a_b`) each get a short hash of the original name;
 * tool names that collide within one server, or are too long, get one too. Hashes derive from the original names, so
 * a tool keeps its name across restarts and no matter what other servers are configured.
 */
import { createHash } from 'node:crypto';

export const MAX_NAME = 64;
export const SEPARATOR = '__';
const SERVER_PART_MAX = 24;

function shortHash(text: string, len = 6): string {
  return createHash('sha256').update(text).digest('base64url').replace(/[^a-zA-Z0-9]/g, '').slice(0, len).toLowerCase();
}

function clean(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, '_');
}

/** The server part for each server name; unique across the given names. */
export function serverParts(serverNames: string[]): Map<string, string> {
  const base = new Map<string, string>();
  for (const name of serverNames) {
    let part = clean(name).replace(/_+/g, '_').replace(/^_|_$/g, '') || 'server';
    if (part.length > SERVER_PART_MAX) part = `${part.slice(0, SERVER_PART_MAX - 7)}_${shortHash(name)}`;
    base.set(name, part);
  }
  const counts = new Map<string, number>();
  for (const part of base.values()) counts.set(part.toLowerCase(), (counts.get(part.toLowerCase()) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const [name, part] of base) {
    // Case-insensitive: some providers treat function names that differ only in case as the same.
    const unique = (counts.get(part.toLowerCase()) ?? 0) > 1 ? `${part.slice(0, SERVER_PART_MAX - 7)}_${shortHash(name)}` : part;
    out.set(name, unique);
  }
  return out;
}

/** Namespaced names for one server's tools, keyed by original tool name. */
export function toolNamesFor(serverPart: string, toolNames: string[]): Map<string, string> {
  const room = MAX_NAME - serverPart.length - SEPARATOR.length;
  const proposed = new Map<string, string>();
  for (const tool of toolNames) {
    let part = clean(tool) || 'tool';
    if (part.length > room) part = `${part.slice(0, room - 7)}_${shortHash(tool)}`;
    proposed.set(tool, part);
  }
  const groups = new Map<string, string[]>();
  for (const [tool, part] of proposed) groups.set(part.toLowerCase(), [...(groups.get(part.toLowerCase()) ?? []), tool]);
  const out = new Map<string, string>();
  for (const members of groups.values()) {
    // In a collision, a tool whose name needed no change keeps it (when it is the only such); the others get a hash.
    const untouched = members.filter((t) => proposed.get(t) === t);
    const keeper = members.length === 1 ? members[0] : untouched.length === 1 ? untouched[0] : undefined;
    for (const tool of members) {
      const part = proposed.get(tool) ?? tool;
      const unique = tool === keeper ? part : `${part.slice(0, Math.min(part.length, room - 7))}_${shortHash(tool)}`;
      out.set(tool, `${serverPart}${SEPARATOR}${unique}`);
    }
  }
  return out;
}
