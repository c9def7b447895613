/**
 * Removes secrets from text before it is logged, shown or stored: bearer tokens, Authorization headers,
 * OpenAI-style keys, and values of keys that name a secret. Exact known secrets can be added too.
 */
const PATTERNS: Array<[RegExp, string]> = [
  [/\b(authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)(bearer|basic|token)?\s*[^\s"',;]+/gi, '$1$2$3 [redacted]'],
  [/\bbearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, 'Bearer [redacted]'],
  [/\b(sk|rk|pk)-(?:proj-|live-|test-)?[A-Za-z0-9_-]{12,}/g, '$1-[redacted]'],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,})/g, '[redacted]'],
  [/\b(xox[abposr]-[A-Za-z0-9-]{10,})/g, '[redacted]'],
  [/(["']?\b(?:api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|client[_-]?secret|password|passwd|secret|token)\b["']?\s*[:=]\s*["']?)([^\s"',;&}]{4,})/gi, '$1[redacted]'],
  [/(\/\/[^/\s:@]+:)([^@\s/]+)@/g, '$1[redacted]@'],
];

export function redact(text: string, known: Iterable<string> = []): string {
  let out = text;
  for (const secret of known) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}
