import { LineState, REDACTED, redact as redactText } from "../../infra/redact";

/** What replaces a secret value in logs (the project's one mask, infra/redact). */
export { REDACTED };

/** Env keys whose values are treated as secrets (Render shows no env values in logs; we redact what looks secret). */
const SECRET_KEY =
  /SECRET|TOKEN|PASSW|PASSPHRASE|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_?KEY|AUTH|SIGNING|COOKIE|SESSION|SALT|DSN|DATABASE_URL|_URL_WITH_CREDENTIALS|CONNECTION_STRING|(^|_)KEY($|_)|(^|_)PWD($|_)|(^|_)PASS($|_)/i;

/** Shorter values would blank out ordinary words; they are documented as not redacted. */
const MIN_SECRET_LENGTH = 4;
/** Lines of secret files shorter than this are too common (e.g. PEM armour) to redact on their own. */
const MIN_FILE_LINE_LENGTH = 8;

/** Whether an env key names a secret. */
export function looksSecret(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** The strings to hide for a service: values of secret-looking env keys and secret files' contents and lines. */
export function secretValues(env: Record<string, string>, secretFiles: Record<string, string>): string[] {
  const out = new Set<string>();
  const add = (v: string, min: number) => {
    if (v.length < min) return;
    out.add(v);
    // The forms an app most often prints a value in: JSON-escaped and URL-encoded.
    const json = JSON.stringify(v).slice(1, -1);
    if (json !== v) out.add(json);
    const url = encodeURIComponent(v);
    if (url !== v) out.add(url);
  };
  for (const [k, v] of Object.entries(env)) if (looksSecret(k)) add(v, MIN_SECRET_LENGTH);
  for (const content of Object.values(secretFiles)) {
    add(content, MIN_SECRET_LENGTH);
    add(content.trim(), MIN_SECRET_LENGTH);
    for (const line of content.split(/\r?\n/)) add(line.trim(), MIN_FILE_LINE_LENGTH);
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...out].sort((a, b) => b.length - a.length);
}

/**
 * Replaces every occurrence of each secret, and credential shapes an app prints without them being in its env
 * (`redis://:pw@…`, `Authorization: Basic …`, tokens): the project's one redaction (infra/redact).
 */
export function redact(text: string, secrets: readonly string[]): string {
  return redactText(text, secrets);
}

/**
 * Line-buffered redaction of a byte stream (child stdout/stderr): a secret split across two chunks is still found,
 * because text is only released at line ends, or, for a very long line, up to where no secret could be starting.
 */
export class LineRedactor {
  private buf = "";
  private static readonly MAX_LINE = 64 * 1024;
  /** Credential shapes and a private key printed over several lines (its body lines are dropped). */
  private readonly state = new LineState();

  constructor(
    private readonly secrets: readonly string[],
    private readonly emit: (line: string) => void,
  ) {}

  write(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.state.line(this.buf.slice(0, nl), this.secrets);
      if (line !== undefined) this.emit(line);
      this.buf = this.buf.slice(nl + 1);
    }
    if (this.buf.length > LineRedactor.MAX_LINE) {
      const redacted = redact(this.buf, this.secrets);
      const keep = this.heldBack(redacted);
      this.emit(redacted.slice(0, redacted.length - keep));
      this.buf = redacted.slice(redacted.length - keep);
    }
  }

  /** Releases what is left (the process ended). */
  end(): void {
    const line = this.buf ? this.state.line(this.buf, this.secrets) : undefined;
    if (line !== undefined) this.emit(line);
    this.buf = "";
  }

  /** Length of the longest tail of `text` that is the start of some secret (it must wait for the next chunk). */
  private heldBack(text: string): number {
    let keep = 0;
    for (const s of this.secrets) {
      for (let k = Math.min(s.length - 1, text.length); k > keep; k--) {
        if (text.endsWith(s.slice(0, k))) {
          keep = k;
          break;
        }
      }
    }
    return keep;
  }
}
