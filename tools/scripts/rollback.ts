/**
 * `npm run rollback -- --stack <stack> --app <app> [--force] [--reason "<why>"] [--cwd <project dir>]`
 *
 * Moves an app's traffic back to its warm slot at once: one authenticated edge admin call (persisted, every edge
 * instance confirms before it returns). The warm slot is the one the app's last promotion moved traffic away from,
 * so re-running it changes nothing ("already on …"). The edge refuses a warm slot that is unhealthy now or failed
 * its last analysis; `--force` overrides that. The edge URL and the admin token come from the stack's outputs
 * (`edgeUrl`, secret `edgeAdminToken`) through `pulumi stack output --show-secrets`; the token is never printed.
 */
import * as path from "node:path";
import { defineCli, resolveStack, runCli, stackOption, UsageError } from "../../infra/cli/define-cli";
import { EdgeAdminClient, EdgeAdminError } from "../../infra/edge-contract/client";
import type { Slot } from "../../apps/edge/config";
import { redactPulumiOutput, secretEnvValues } from "../../infra/ops/pulumi-output";
import { captureRunner } from "./pulumi-redacted";

/** What the command needs from `pulumi stack output --json --show-secrets`. */
interface StackOutputs {
  edgeUrl?: string;
  edgeAdminToken?: string;
  apps?: Record<
    string,
    { activeSlot?: Slot; versions?: Partial<Record<Slot, string>>; lastPromotion?: { result: string; from: Slot; to: Slot; version: string } }
  >;
}

/** Reads a stack's outputs; throws an Error naming the stack when it cannot. */
export type OutputsReader = (stack: string, cwd: string) => Promise<StackOutputs>;

/** The default reader: the pinned pulumi CLI with the project's environment (tools/scripts/pulumi.js). */
export const readOutputs: OutputsReader = async (stack, cwd) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { preparePulumi } = require("./pulumi.js");
  const { env } = await preparePulumi({ quiet: true });
  // Captured, stderr included: it is printed only in the error below, redacted like everything this command prints.
  const r = await captureRunner({ ...env, PULUMI_SKIP_UPDATE_CHECK: "true" }, cwd)(["stack", "output", "--json", "--show-secrets", "--stack", stack]);
  if (r.code !== 0) {
    const said = r.stderr.trim().split("\n").slice(-3).join(" | ");
    throw new Error(
      `cannot read the outputs of stack '${stack}' (pulumi stack output exited ${r.code}${said ? `: ${said}` : ""}); check the stack name with: npm run pulumi -- stack ls`,
    );
  }
  return JSON.parse(r.stdout) as StackOutputs;
};

const USAGE = 'usage: npm run rollback -- --stack <stack> --app <app> [--force] [--reason "why"]';

/**
 * Runs the command; returns the exit code (infra/cli/define-cli.ts: 2 for a usage error, 1 for a failure, 3 when not
 * every edge instance confirmed the switch yet). Every line is redacted (infra/ops/pulumi-output.ts): never the
 * token, a secret value of the environment or a plan violation's values, whatever an error message quoted. `out`
 * (tests) receives the error lines too.
 */
export async function main(argv: string[], deps: { read?: OutputsReader; out?: (s: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const secrets: Array<string | undefined> = secretEnvValues(env);
  const redacted = (sink: (s: string) => void) => (s: string) => sink(redactPulumiOutput(s, secrets));
  const out = redacted(deps.out ?? ((s: string) => console.log(s)));
  const err = redacted(deps.out ?? ((s: string) => console.error(s)));
  return defineCli({
    usage: USAGE,
    options: { ...stackOption, app: { type: "string" }, reason: { type: "string" }, cwd: { type: "string" }, force: { type: "boolean" } },
    run: async ({ values }) => {
      // Handed to the pulumi CLI only, so Pulumi's org/project/stack form is fine.
      const stack = resolveStack(values.stack as string | undefined, { qualified: true });
      const app = values.app as string | undefined;
      const reason = values.reason as string | undefined;
      const force = (values.force as boolean | undefined) ?? false;
      if (!app) throw new UsageError("--app <app> is required, e.g. --app api");
      const cwd = path.resolve((values.cwd as string | undefined) ?? path.join(__dirname, "..", ".."));
      try {
        const outputs = await (deps.read ?? readOutputs)(stack, cwd);
        secrets.push(outputs.edgeAdminToken);
        if (!outputs.edgeUrl || !outputs.edgeAdminToken) {
          err(`rollback: stack '${stack}' has no edgeUrl/edgeAdminToken outputs; run pulumi up on it first`);
          return 1;
        }
        const known = Object.entries(outputs.apps ?? {})
          .filter(([, a]) => a && "activeSlot" in a)
          .map(([n]) => n);
        const declared = outputs.apps?.[app];
        if (!declared || !known.includes(app)) {
          err(`rollback: unknown app '${app}' in stack '${stack}'; blue/green apps there: ${known.join(", ") || "none"}`);
          return 1;
        }
        const last = declared.lastPromotion;
        if (!last || last.from === last.to) {
          err(`rollback: app '${app}' has no previous version to roll back to (its last promotion moved no traffic: ${last?.result ?? "none"})`);
          return 1;
        }
        const target = last.from;
        const edge = new EdgeAdminClient({ url: outputs.edgeUrl, token: outputs.edgeAdminToken, timeoutMs: 15_000, retries: 2 });
        const t0 = Date.now();
        const by = `rollback-cli:${env.USER ?? env.GITHUB_ACTOR ?? "unknown"}`;
        const r = await edge.switch({ app, slot: target, force, actor: by, reason: reason ?? `manual rollback of ${app} ${last.version}` });
        const label = (s: Slot) => `${app}-${s} (${declared.versions?.[s] ?? "unknown version"})`;
        const ms = Date.now() - t0;
        if (!r.changed) out(`rollback: ${app} is already on ${label(target)}; nothing changed`);
        else
          out(
            `rollback: switched ${app} from ${label(r.from)} to ${label(target)}${r.forced ? " (forced)" : ""} in ${ms} ms; edge state version ${r.version}${r.synced ? "" : `; NOT every edge instance confirmed yet (${r.peers?.failed?.length ?? "?"} pending; they converge within the sync interval)`}`,
          );
        out(
          `rollback: the next pulumi preview shows this as drift; pulumi up would promote ${last.version} again. To stay on ${declared.versions?.[target] ?? "the previous version"}, set apps.${app}.version accordingly.`,
        );
        return r.synced ? 0 : 3;
      } catch (e) {
        if (e instanceof EdgeAdminError && e.status === 409) {
          throw new Error(
            `rollback refused by the edge: ${e.message.replace(/^edge admin POST \/__edge\/switch: HTTP 409: /, "")}${force ? "" : "\n(pass --force to switch anyway)"}`,
            { cause: e },
          );
        }
        throw new Error(`rollback failed: ${(e as Error).message}`, { cause: e });
      }
    },
  })(argv, { out, err });
}

if (require.main === module) runCli((argv) => main(argv));
