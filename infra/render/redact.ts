/**
 * Redaction for anything the Render client writes to a log or puts in an error message: the project's one
 * redaction module (infra/redact), re-exported where the client's callers have always found it.
 *
 * Why a registry as well as patterns: Render echoes request values in some messages, and a secret (an env var
 * value, a file's content) has no recognisable shape. The client registers the secret values it sends
 * (`registerSecretsIn`); every message passes through {@link redact} before leaving the client.
 */
export { redact, registerSecret, registerSecretsIn } from "../redact";
