/** What one `pulumi` invocation printed and how it ended. */
export interface PulumiRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `pulumi <args>` in the project directory (non-interactive). The CLI's default is the pinned toolchain with the
 * project's environment (tools/scripts/pulumi.js); tests pass one bound to a throwaway project copy.
 */
export type PulumiRunner = (args: string[]) => Promise<PulumiRun>;
