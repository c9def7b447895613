/**
 * Removes secrets from text before it is logged, shown or stored: every exact secret the caller knows (API keys,
 * OAuth tokens, input values), and the common formats: Authorization headers and bearer tokens; OpenAI, GitHub,
 * GitLab, npm, Slack, Google and AWS keys and tokens; JWTs; PEM private key blocks; passwords in URLs; and
 * assignments to names that say secret (`*_TOKEN=`, `*_SECRET=`, `*_KEY=`, `*_PASSWORD=`, `"api_key": "…"`).
 * Values that read as code (`token = getToken()`, `token: string`, `key = this.key`) are left alone.
 */

/** What an unquoted value must not be for an assignment to count: code, a type, a short word. */
const UNQUOTED = String.raw`(?![=>])(?!(?:string|number|boolean|undefined|null|true|false|any|unknown|none|str|int|await|new|typeof|this|self|function|async|require|import)\b)(?![A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?![\w$.]))([^\s"'\x60,;&(){}\[\]<>]{4,})(?![\w$.-]*\()`;
const ASSIGN = String.raw`(\s*[:=]\s*)`;
/** Names that hold secrets in any case: `api_key`, `client-secret`, `password`, `token`, `aws_secret_access_key`. */
const SECRET_WORDS = String.raw`(?:api[_-]?key|apikey|access[_-]?token|auth[_-]?token|refresh[_-]?token|id[_-]?token|session[_-]?token|client[_-]?secret|secret[_-]?access[_-]?key|private[_-]?key|password|passwd|passphrase|secret|token)`;
/** Upper-case environment names ending in a secret word: `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `DB_PASSWORD`. */
const ENV_NAME = String.raw`[A-Z][A-Z0-9_]*_(?:TOKEN|SECRET|KEY|PASSWORD|PASSWD|PASS|PWD|PAT|CREDENTIALS?|AUTH)`;

const PATTERNS: Array<[RegExp, string]> = [
  // PEM private keys, whole blocks (or to the end of a cut-off text).
  [/-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?(?:-----END \1-----|$)/g, '-----BEGIN $1----- [redacted] -----END $1-----'],
  [/\b(authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)(bearer|basic|token)?\s*[^\s"',;]+/gi, '$1$2$3 [redacted]'],
  [/\bbearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, 'Bearer [redacted]'],
  [/\b(sk|rk|pk)-(?:proj-|live-|test-|ant-(?:api\d+-)?)?[A-Za-z0-9_-]{12,}/g, '$1-[redacted]'],
  // GitHub (classic and fine-grained), GitLab, npm, Slack, Google, Stripe-like and Hugging Face tokens.
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g, '[redacted]'],
  [/\bgl(?:pat|dt|rt|ptt|cbt|imt|oas|ft|soat)-[A-Za-z0-9_-]{20,}/g, '[redacted]'],
  [/\bnpm_[A-Za-z0-9]{30,}/g, '[redacted]'],
  [/\bxox[abposre]-[A-Za-z0-9-]{10,}/g, '[redacted]'],
  [/\bAIza[0-9A-Za-z_-]{35}/g, '[redacted]'],
  [/\bhf_[A-Za-z0-9]{30,}/g, '[redacted]'],
  // AWS access key ids (the secret key is caught by its assignment below).
  [/\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b/g, '[redacted]'],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[redacted]'],
  // Assignments: quoted values always, unquoted ones unless they read as code.
  [new RegExp(String.raw`(["']?\b(?:${ENV_NAME}|(?:[A-Za-z0-9]{1,40}[_-]){0,4}${SECRET_WORDS})\b["']?${ASSIGN}["'\x60])([^"'\x60\n]{4,})(?=["'\x60])`, 'gi'), '$1[redacted]'],
  [new RegExp(String.raw`(\b${ENV_NAME}\b["']?${ASSIGN})${UNQUOTED}`, 'g'), '$1[redacted]'],
  // A lower-case name and a bare word (`this.password = password`) is code; a value with a digit or symbol is not.
  [new RegExp(String.raw`(["']?\b(?:[A-Za-z0-9]{1,40}[_-]){0,4}${SECRET_WORDS}\b["']?${ASSIGN})(?![A-Za-z_$]+(?![\w$.\-/+=]))${UNQUOTED}`, 'gi'), '$1[redacted]'],
  // Passwords in URLs: scheme://user:password@host (the user may be empty).
  [/(\b[a-z][a-z0-9+.-]{0,30}:\/\/[^/\s:@]*:)([^@\s/]+)@/gi, '$1[redacted]@'],
];

export function redact(text: string, known: Iterable<string> = []): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  const secrets = [...new Set(known)].filter((s) => s && s.length >= 4).sort((a, b) => b.length - a.length);
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** A copy of a JSON-like value with every string in it redacted (object keys kept). */
export function redactDeep<T>(value: T, known: Iterable<string> = []): T {
  const list = [...known];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v, list);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** Names of environment variables and headers whose values are secrets (`GITHUB_TOKEN`, `Authorization`, `x-api-key`). */
export function isSecretName(name: string): boolean {
  return /(?:^|[_-])(?:token|secret|key|password|passwd|pass|pwd|pat|credentials?|auth)$/i.test(name) || /^(?:authorization|proxy-authorization|cookie|api[_-]?key|apikey)$/i.test(name) || /(?:token|secret|password|apikey|api[_-]key)/i.test(name);
}
