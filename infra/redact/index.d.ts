/** Types of infra/redact/index.js, the project's one redaction module (plain JS so workflow scripts load it too). */

/** What replaces a secret by default: `[REDACTED]`. */
export declare const REDACTED: string;
/** Shortest literal worth redacting. */
export declare const MIN_SECRET_LENGTH: number;
/** Environment variables whose values are secrets wherever they appear. */
export declare const SECRET_ENV_NAMES: readonly string[];
/** Names of environment variables that hold secrets by convention (`…_TOKEN`, `…_PASSWORD`, `…_API_KEY`…). */
export declare const SECRET_ENV_PATTERN: RegExp;

/** One credential shape: `keep` means group 1 (the scheme, key or header name) stays and only the rest is masked. */
export interface RedactionPattern {
  readonly name: string;
  readonly re: RegExp;
  readonly keep: boolean;
}
/** Every credential shape redacted without being registered (each has a canary test). */
export declare const PATTERNS: ReadonlyArray<RedactionPattern>;

/** Remembers a value that must never appear in logs or errors (for the life of the process). */
export declare function registerSecret(value: unknown): void;
/** Registers every string under a secret-looking key of a request body (env var values, file contents, tokens). */
export declare function registerSecretsIn(body: unknown, depth?: number): void;
/** The values of the secret environment variables in `env`. */
export declare function secretEnvValues(env?: NodeJS.ProcessEnv): string[];
/** Replaces credential-shaped substrings only. */
export declare function redactPatterns(text: string, mask?: string): string;
/** Replaces registered secrets, the `extra` literals and credential-shaped substrings with `[REDACTED]` (or `opts.mask`). */
export declare function redact(text: string, extra?: ReadonlyArray<string | undefined | null>, opts?: { mask?: string }): string;

/**
 * Line-by-line redaction with the state a multi-line credential needs: `line` returns the redacted line, or
 * undefined for a line inside a PEM private key (dropped up to its END line).
 */
export declare class LineState {
  inPrivateKey: boolean;
  line(text: string, extra?: ReadonlyArray<string | undefined | null>, opts?: { mask?: string }): string | undefined;
}
