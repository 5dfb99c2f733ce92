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
import { parseArgs } from "node:util";
import { EdgeAdminClient, EdgeAdminError } from "../../apps/edge/client";
import type { Slot } from "../../apps/edge/config";
import { redactPulumiOutput, secretEnvValues } from "../../infra/ops/pulumi-output";
import { captureRunner } from "./pulumi-redacted";

/** What the command needs from `pulumi stack output --json --show-secrets`. */
interface StackOutputs {
  edgeUrl?: string;
  edgeAdminToken?: string;
  apps?: Record<string, { activeSlot?: Slot; versions?: Partial<Record<Slot, string>>; lastPromotion?: { result: string; from: Slot; to: Slot; version: string } }>;
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
    throw new Error(`cannot read the outputs of stack '${stack}' (pulumi stack output exited ${r.code}${said ? `: ${said}` : ""}); check the stack name with: npm run pulumi -- stack ls`);
  }
  return JSON.parse(r.stdout) as StackOutputs;
};

const USAGE = 'usage: npm run rollback -- --stack <stack> --app <app> [--force] [--reason "why"]';

/**
 * Runs the command; returns the exit code. `out` gets every line, redacted (infra/ops/pulumi-output.ts): never the
 * token, a secret value of the environment or a plan violation's values, whatever an error message quoted.
 */
export async function main(argv: string[], deps: { read?: OutputsReader; out?: (s: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const secrets: Array<string | undefined> = secretEnvValues(env);
  const print = deps.out ?? ((s: string) => console.log(s));
  const out = (s: string) => print(redactPulumiOutput(s, secrets));
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, options: { stack: { type: "string" }, app: { type: "string" }, reason: { type: "string" }, cwd: { type: "string" }, force: { type: "boolean" } } });
  } catch (e) {
    out(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { stack, app, reason, force = false } = parsed.values;
  const cwd = path.resolve(parsed.values.cwd ?? path.join(__dirname, "..", ".."));
  if (!stack || !app) {
    out(`${!stack ? "--stack" : "--app"} is required\n${USAGE}`);
    return 2;
  }
  try {
    const outputs = await (deps.read ?? readOutputs)(stack, cwd);
    secrets.push(outputs.edgeAdminToken);
    if (!outputs.edgeUrl || !outputs.edgeAdminToken) {
      out(`rollback: stack '${stack}' has no edgeUrl/edgeAdminToken outputs; run pulumi up on it first`);
      return 1;
    }
    const known = Object.entries(outputs.apps ?? {}).filter(([, a]) => a && "activeSlot" in a).map(([n]) => n);
    const declared = outputs.apps?.[app];
    if (!declared || !known.includes(app)) {
      out(`rollback: unknown app '${app}' in stack '${stack}'; blue/green apps there: ${known.join(", ") || "none"}`);
      return 1;
    }
    const last = declared.lastPromotion;
    if (!last || last.from === last.to) {
      out(`rollback: app '${app}' has no previous version to roll back to (its last promotion moved no traffic: ${last?.result ?? "none"})`);
      return 1;
    }
    const target = last.from;
    const edge = new EdgeAdminClient({ url: outputs.edgeUrl, token: outputs.edgeAdminToken, timeoutMs: 15_000, attempts: 3 });
    const t0 = Date.now();
    const by = `rollback-cli:${env.USER ?? env.GITHUB_ACTOR ?? "unknown"}`;
    const r = await edge.switch({ app, slot: target, force, actor: by, reason: reason ?? `manual rollback of ${app} ${last.version}` });
    const label = (s: Slot) => `${app}-${s} (${declared.versions?.[s] ?? "unknown version"})`;
    const ms = Date.now() - t0;
    if (!r.changed) out(`rollback: ${app} is already on ${label(target)}; nothing changed`);
    else out(`rollback: switched ${app} from ${label(r.from)} to ${label(target)}${r.forced ? " (forced)" : ""} in ${ms} ms; edge state version ${r.version}${r.synced ? "" : `; NOT every edge instance confirmed yet (${r.peers?.failed?.length ?? "?"} pending; they converge within the sync interval)`}`);
    out(`rollback: the next pulumi preview shows this as drift; pulumi up would promote ${last.version} again. To stay on ${declared.versions?.[target] ?? "the previous version"}, set apps.${app}.version accordingly.`);
    return r.synced ? 0 : 3;
  } catch (e) {
    if (e instanceof EdgeAdminError && e.status === 409) {
      out(`rollback refused by the edge: ${e.message.replace(/^edge admin POST \/__edge\/switch: HTTP 409: /, "")}${force ? "" : "\n(pass --force to switch anyway)"}`);
      return 1;
    }
    out(`rollback failed: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
