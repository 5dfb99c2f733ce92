"use strict";
/**
 * The one redaction module of the project: everything that may print or send a secret (the Render client's errors
 * and request log, pulumi's output in our scripts and workflows, the PR-comment summary, the guardian's notices,
 * the deploy report, the simulator's service logs) passes its text through {@link redact}.
 *
 * Two layers:
 * 1. literal values: secrets known by value (registered by the Render client as it sends them, the job's secret
 *    environment variables, a stack's secret config and state), replaced wherever they occur;
 * 2. credential shapes ({@link PATTERNS}): secrets nobody listed, recognised by their form (URL user-info,
 *    `password=` in query strings, libpq and JDBC, Authorization / x-api-key headers, GitHub / Pulumi / Render /
 *    Slack tokens and webhook URLs, private keys). Each pattern keeps what tells a reader what happened (the
 *    scheme, host, key name) and hides only the secret part.
 *
 * Plain JavaScript (typed by index.d.ts) so that the workflow scripts under `.github/scripts/`, which run under
 * plain `node`, use this very module rather than a copy.
 */

/** What replaces a secret by default. */
const REDACTED = "[REDACTED]";

/** Shortest literal worth redacting: replacing 1–3 character strings would mangle ordinary words. */
const MIN_SECRET_LENGTH = 4;

/** Shortest value taken from a secret environment variable (shorter ones would mangle ordinary words). */
const MIN_ENV_SECRET_LENGTH = 6;

/** Environment variables whose values are secrets wherever they appear (besides {@link SECRET_ENV_PATTERN}). */
const SECRET_ENV_NAMES = [
  "RENDER_API_KEY",
  "PULUMI_ACCESS_TOKEN",
  "PULUMI_CONFIG_PASSPHRASE",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "EDGE_ADMIN_TOKEN",
  "EDGE_RENDER_API_KEY",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "ARM_CLIENT_SECRET",
  "GOOGLE_CREDENTIALS",
  "SLACK_WEBHOOK_URL",
  "STACKGUARD_ALERT_WEBHOOK_URL",
  "DATABASE_URL",
  "REDIS_URL",
];
/** Names of environment variables that hold secrets by convention. */
const SECRET_ENV_PATTERN = /(^|_)(TOKEN|SECRET|PASSWORD|PASSPHRASE|API_KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS|WEBHOOK_URL)$/;

/** Keys whose string values are secret in Render request and response bodies. */
const SECRET_BODY_KEY =
  /^(value|content|password|token|secret|apikey|authtoken|datadogapikey|internalconnectionstring|externalconnectionstring|psqlcommand|rediscliCommand|connectioninfo)$/i;

/** Key names whose values are secrets when they appear as `key=value`, `key: value` or `"key": "value"`. */
const SECRET_KEY_NAMES =
  "password|passwd|pass|pwd|sslpassword|secret|client_secret|clientSecret|token|access_token|accessToken|refresh_token|refreshToken|id_token|auth_token|authToken|api_key|apiKey|apikey|api-key|private_key|privateKey|sig|signature";

/**
 * Credential shapes, each with a canary test (test/unit/redact/redact.test.ts). `$1` keeps the part that says what
 * the secret was (scheme, key name, header name); the secret itself becomes the mask.
 * @type {ReadonlyArray<{ name: string, re: RegExp, keep: boolean }>}
 */
const PATTERNS = [
  // Private keys (PEM), whole block; a single line of one (streamed output) by its header onwards.
  { name: "pem-private-key", re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, keep: false },
  // Slack incoming-webhook / workflow URLs: the path is the credential.
  { name: "slack-webhook-url", re: /(https?:\/\/hooks\.slack(?:-gov)?\.com\/)(?:services|workflows|triggers)\/[A-Za-z0-9_/+-]+/gi, keep: true },
  // Oracle JDBC thin URLs: jdbc:oracle:thin:user/password@host
  { name: "jdbc-oracle", re: /(jdbc:oracle:[a-z]+:[^/\s:@"']*\/)[^@\s"']+(?=@)/gi, keep: true },
  // URL user-info: scheme://user:password@host, also with an empty user (redis://:password@host)
  { name: "url-userinfo", re: /([a-z][a-z0-9+.-]*:\/\/[^:/\s@"'<>]*:)[^@\s/"'<>]+(?=@)/gi, keep: true },
  // Query and JDBC parameters: ?password=…, &token=…, ;password=… (SQL Server JDBC), &sig=… (signed URLs)
  // (also with a vendor prefix: X-Amz-Signature, X-Sim-Signature, X-Goog-Credential)
  { name: "url-param", re: new RegExp(`([?&;](?:[A-Za-z0-9]+-)*(?:${SECRET_KEY_NAMES}|credential)=)[^&;\\s#"'<>]+`, "gi"), keep: true },
  // libpq keyword/value connection strings and psql commands: password=… / password='…' / PGPASSWORD=…
  { name: "libpq-password", re: /(\b(?:PG|ssl)?password\s*=\s*)(?:'(?:[^'\\]|\\.)*'|[^\s'";&]+)/gi, keep: true },
  // Authorization headers of any scheme (Basic, Bearer, token, Digest…), as header lines or JSON.
  {
    name: "authorization-header",
    re: /(\b(?:proxy-)?authorization"?\s*[:=]\s*"?(?:(?:basic|bearer|token|digest|negotiate|ntlm)\s+)?)[^\s"',;]+/gi,
    keep: true,
  },
  // API-key headers: x-api-key, api-key, x-auth-token, private-token (GitLab), x-pulumi-access-token…
  {
    name: "api-key-header",
    re: /(\b(?:x-api-key|api-key|x-auth-token|x-access-token|private-token|x-pulumi-access-token|x-render-api-key)"?\s*[:=]\s*"?)[^\s"',;]+/gi,
    keep: true,
  },
  // JSON fields with secret names: "password": "…", "apiKey": "…"
  { name: "json-secret-field", re: new RegExp(`("(?:${SECRET_KEY_NAMES})"\\s*:\\s*")(?:[^"\\\\]|\\\\.)+(?=")`, "gi"), keep: true },
  // Upper-case environment assignments of secret-named variables: GITHUB_TOKEN=…, DB_PASSWORD=…
  {
    name: "env-assignment",
    re: /(\b[A-Z][A-Z0-9_]*(?:PASSWORD|PASSPHRASE|SECRET|TOKEN|API_KEY|ACCESS_KEY|PRIVATE_KEY|WEBHOOK_URL)=)(?:"[^"]*"|'[^']*'|[^\s"']+)/g,
    keep: true,
  },
  // Bearer tokens anywhere
  { name: "bearer-token", re: /(\bbearer\s+)[A-Za-z0-9._~+/-]{4,}=*/gi, keep: true },
  // GitHub tokens: classic (ghp_), OAuth (gho_), user-to-server (ghu_), server-to-server (ghs_), refresh (ghr_), fine-grained PATs
  { name: "github-token", re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{40,255})\b/g, keep: false },
  // Pulumi access tokens (pul-<40 hex>)
  { name: "pulumi-token", re: /\bpul-[A-Za-z0-9]{32,}\b/g, keep: false },
  // Render API keys
  { name: "render-api-key", re: /\brnd_[A-Za-z0-9]{8,}\b/g, keep: false },
  // Slack tokens (bot, user, app-level, refresh, config)
  { name: "slack-token", re: /\bxox(?:[abposr]|e\.xox[bp])-[A-Za-z0-9-]{10,}\b/g, keep: false },
  // AWS access key ids
  { name: "aws-access-key-id", re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, keep: false },
];

/** Values registered for the life of the process (see {@link registerSecret}). */
const registered = new Set();

/** Remembers a value that must never appear in logs or errors (for the life of the process). */
function registerSecret(value) {
  if (typeof value === "string" && value.length >= MIN_SECRET_LENGTH) registered.add(value);
}

/** Registers every string under a secret-looking key of a request body (env var values, file contents, tokens). */
function registerSecretsIn(body, depth = 0) {
  if (depth > 6 || body === null || typeof body !== "object") return;
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === "string" && SECRET_BODY_KEY.test(k)) registerSecret(v);
    else if (typeof v === "object") registerSecretsIn(v, depth + 1);
  }
}

/** The values of the secret environment variables in `env` (by name: {@link SECRET_ENV_NAMES} or the pattern). */
function secretEnvValues(env = process.env) {
  const out = [];
  for (const [k, v] of Object.entries(env)) {
    if (typeof v === "string" && v.length >= MIN_ENV_SECRET_LENGTH && (SECRET_ENV_NAMES.includes(k) || SECRET_ENV_PATTERN.test(k))) out.push(v);
  }
  return out;
}

/** Replaces credential-shaped substrings ({@link PATTERNS}) with `mask`. */
function redactPatterns(text, mask = REDACTED) {
  let out = String(text);
  for (const p of PATTERNS) out = out.replace(p.re, p.keep ? (_m, keep) => `${keep}${mask}` : mask);
  return out;
}

/**
 * Replaces registered secrets, the `extra` literal values and credential-shaped substrings with `[REDACTED]`
 * (or `opts.mask`).
 * @param {string} text
 * @param {ReadonlyArray<string | undefined | null>} [extra]
 * @param {{ mask?: string }} [opts]
 */
function redact(text, extra = [], opts = {}) {
  const mask = opts.mask ?? REDACTED;
  let out = String(text);
  const literals = new Set(registered);
  for (const s of extra) if (typeof s === "string" && s.length >= MIN_SECRET_LENGTH) literals.add(s);
  // Longest first so a secret that contains another is removed whole.
  for (const lit of [...literals].sort((a, b) => b.length - a.length)) if (out.includes(lit)) out = out.split(lit).join(mask);
  return redactPatterns(out, mask);
}

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * Redaction of a stream, one line at a time ({@link redact} per line), plus the one piece of state a credential
 * spanning lines needs: the body of a PEM private key printed over several lines is dropped up to its END line.
 */
class LineState {
  constructor() {
    this.inPrivateKey = false;
  }

  /**
   * The redacted line (without its newline), or undefined when the whole line is part of a private key.
   * @param {string} text
   * @param {ReadonlyArray<string | undefined | null>} [extra]
   * @param {{ mask?: string }} [opts]
   */
  line(text, extra = [], opts = {}) {
    let t = String(text);
    if (this.inPrivateKey) {
      const end = PEM_END.exec(t);
      if (!end) return undefined;
      this.inPrivateKey = false;
      t = `${opts.mask ?? REDACTED}${t.slice(end.index + end[0].length)}`;
    }
    const begin = PEM_BEGIN.exec(t);
    if (begin && !PEM_END.test(t.slice(begin.index))) this.inPrivateKey = true;
    return redact(t, extra, opts);
  }
}

module.exports = {
  LineState,
  REDACTED,
  MIN_SECRET_LENGTH,
  SECRET_ENV_NAMES,
  SECRET_ENV_PATTERN,
  PATTERNS,
  registerSecret,
  registerSecretsIn,
  secretEnvValues,
  redactPatterns,
  redact,
};
