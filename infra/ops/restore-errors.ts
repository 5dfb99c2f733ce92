import { UsageError } from "../cli/define-cli";

/**
 * A restore request the user must fix: raised before anything is changed on Render or in the stack's config.
 * `field` names the input at fault (`--stack`, `--to`, `stackguard:database.name`…) so the message and the exit code
 * (2, the CLIs' usage error: infra/cli/define-cli.ts) tell the user where to look.
 */
export class RestoreInputError extends UsageError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "RestoreInputError";
  }
}
