/**
 * Redaction for anything the client writes to a log or puts in an error message.
 *
 * Why a registry as well as patterns: Render echoes request values in some messages, and a secret (an env var
 * value, a file's content) has no recognisable shape. Callers register the secret values they send; every message
 * passes through {@link redact} before leaving the client.
 */

const REDACTED = "[REDACTED]";
const registered = new Set<string>();

/** Shortest value worth registering: redacting 1–3 character strings would mangle ordinary words. */
const MIN_SECRET_LENGTH = 4;

/** Remembers values that must never appear in logs or errors (for the life of the process). */
export function registerSecret(value: unknown): void {
  if (typeof value === "string" && value.length >= MIN_SECRET_LENGTH) registered.add(value);
}

/** Keys whose string values are secret in Render request and response bodies. */
const SECRET_KEY = /^(value|content|password|token|secret|apikey|datadogapikey|internalconnectionstring|externalconnectionstring|psqlcommand|rediscliCommand|connectioninfo)$/i;

/** Registers every string under a secret-looking key in a request body (env var values, file contents, tokens). */
export function registerSecretsIn(body: unknown, depth = 0): void {
  if (depth > 6 || body === null || typeof body !== "object") return;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (typeof v === "string" && SECRET_KEY.test(k)) registerSecret(v);
    else if (typeof v === "object") registerSecretsIn(v, depth + 1);
  }
}

const PATTERNS: Array<[RegExp, string]> = [
  // credentials inside URLs: scheme://user:password@host
  [/([a-z][a-z0-9+.-]*:\/\/[^:\/\s@]+:)[^@\s]+@/gi, `$1${REDACTED}@`],
  // bearer tokens and api keys
  [/(bearer\s+)[A-Za-z0-9._~+\/-]+=*/gi, `$1${REDACTED}`],
  [/\brnd_[A-Za-z0-9]{8,}\b/g, REDACTED],
  // PGPASSWORD=... in psql commands
  [/(PGPASSWORD=)\S+/g, `$1${REDACTED}`],
];

/** Replaces registered secrets, extra literal values and credential-shaped substrings with `[REDACTED]`. */
export function redact(text: string, extra: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  const literals = [...extra.filter((s): s is string => !!s && s.length >= MIN_SECRET_LENGTH), ...registered];
  // Longest first so a secret that contains another is removed whole.
  literals.sort((a, b) => b.length - a.length);
  for (const lit of literals) out = out.split(lit).join(REDACTED);
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
  return out;
}
