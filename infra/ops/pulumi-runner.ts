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
export type PulumiRunner = (args: string[], extraEnv?: Record<string, string>) => Promise<PulumiRun>;

/**
 * Runs the AlphaStack preview gate (`npm run gate -- --stack <stack> --out-dir <dir>`, policies/scripts/gate.ts): a
 * preview with the policy pack and `--save-plan`, checked for any step touching AlphaStack; on a pass it leaves
 * `<stamp>.plan.json` and `<stamp>.gate.json` in `outDir`. Production's `up` runs only from such a plan.
 */
export type GateRunner = (stack: string, outDir: string) => Promise<{ code: number; stdout: string }>;
