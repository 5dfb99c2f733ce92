/**
 * A restore request the user must fix: raised before anything is changed on Render or in the stack's config.
 * `field` names the input at fault (`--stack`, `--to`, `stackguard:database.name`…) so the message and the exit code
 * (2) tell the user where to look.
 */
export class RestoreInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "RestoreInputError";
  }
}
