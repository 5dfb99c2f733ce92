/**
 * Recognising secrets in plain data without printing them: by the input's key name (`apiKey`, `DATABASE_URL`,
 * `dbPassword`) and by the value's shape (a URL with a password, a Render API key, a private key, …). Every
 * function returns a description of the shape, never the value.
 */

/** Value shapes that are secrets wherever they appear. */
const VALUE_SHAPES: ReadonlyArray<[RegExp, string]> = [
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:[^\s@/]+@/i, "a URL with a password (user:password@)"],
  [/\brnd_[A-Za-z0-9]{20,}\b/, "a Render API key (rnd_…)"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/, "a GitHub token"],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/\bAKIA[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]{20,}/, "a bearer token"],
  [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, "a JSON Web Token"],
];

/** Word sequences in a key name that mean its value is a credential. */
const SECRET_WORDS: ReadonlyArray<readonly string[]> = [
  ["api", "key"],
  ["apikey"],
  ["token"],
  ["secret"],
  ["password"],
  ["passwd"],
  ["pwd"],
  ["private", "key"],
  ["credential"],
  ["credentials"],
  ["database", "url"],
  ["db", "url"],
  ["dsn"],
  ["connection", "string"],
  ["conn", "str"],
  ["access", "key"],
  ["auth"],
  ["signing", "key"],
  ["encryption", "key"],
];

/** `DATABASE_URL`, `databaseUrl`, `database-url` → ["database", "url"]. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function endsWith(words: string[], seq: readonly string[]): boolean {
  return words.length >= seq.length && seq.every((w, j) => words[words.length - seq.length + j] === w);
}

/**
 * Why a key's value is a credential (e.g. `key name "DATABASE_URL"`), or undefined. The credential words must end
 * the key: `apiKey`, `dbPassword`, `DATABASE_URL` are credentials; `apiKeyId`, `tokenPath`, `secretFiles` point at one.
 */
export function secretKeyReason(key: string | undefined): string | undefined {
  if (!key) return undefined;
  const words = keyWords(key);
  return SECRET_WORDS.some((seq) => endsWith(words, seq)) ? `key name "${key}"` : undefined;
}

/** What secret shape a value has (e.g. "a Render API key (rnd_…)"), or undefined. */
export function secretValueShape(value: string): string | undefined {
  for (const [re, what] of VALUE_SHAPES) if (re.test(value)) return what;
  return undefined;
}
