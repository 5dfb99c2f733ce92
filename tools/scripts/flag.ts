/**
 * `npm run flag -- <off|on|clear|get|list> [key] --stack <stack> [--reason "<why>"]`
 * `npm run flag -- <off|on|clear|get|list> [key] --edge-url <url> [--reason "<why>"]` (token: `EDGE_ADMIN_TOKEN`)
 *
 * The kill switch: one authenticated call to the stack's edge, which persists the override in its replicated state
 * and serves it to every app on their next poll. The next `pulumi up` records it instead of undoing it (see README).
 * `--stack` resolves through the stack, as `npm run rollback` does: the edge URL and the admin token are the stack's
 * outputs (`edgeUrl`, secret `edgeAdminToken`, read with `pulumi stack output --show-secrets`). `--edge-url` instead
 * names an edge directly (a bench, an edge outside a stack), with the token from `EDGE_ADMIN_TOKEN`: never from an
 * argument, so it stays out of shell history. Exit codes (infra/cli/define-cli.ts): 0 done, 1 failed, 2 usage error.
 */
import * as path from "node:path";
import { defineCli, resolveStack, runCli, stackOption, UsageError } from "../../infra/cli/define-cli";
import { EdgeAdminClient, type EdgeAdminError } from "../../infra/edge-contract/client";
import { readOutputs } from "./rollback";

const USAGE = [
  'usage: npm run flag -- <off|on|clear|get|list> [key] --stack <stack> [--reason "why"]',
  '       npm run flag -- <off|on|clear|get|list> [key] --edge-url <url> [--reason "why"]   (token: EDGE_ADMIN_TOKEN)',
].join("\n");

const COMMANDS = ["off", "on", "clear", "get", "list"] as const;

/** Reads a stack's outputs (the edge's URL and admin token); throws naming the stack when it cannot. */
export type EdgeOutputsReader = (stack: string, cwd: string) => Promise<{ edgeUrl?: string; edgeAdminToken?: string }>;

/** The default reader: `npm run rollback`'s (the pinned pulumi CLI, started only when a stack is read). */
const readStackOutputs: EdgeOutputsReader = (stack, cwd) => readOutputs(stack, cwd);

/**
 * Runs the command; resolves to the exit code. `out` receives every line (errors included) when given; `read`
 * (tests) replaces the stack output reader.
 */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out?: (s: string) => void,
  read: EdgeOutputsReader = readStackOutputs,
): Promise<number> {
  const secrets: string[] = [];
  // The token comes from the stack's outputs or the environment: no line printed may quote it.
  const redact = (sink: (s: string) => void) => (s: string) => sink(secrets.reduce((t, v) => t.split(v).join("[secret]"), s));
  return defineCli({
    usage: USAGE,
    allowPositionals: true,
    options: { ...stackOption, reason: { type: "string" }, "edge-url": { type: "string" } },
    run: async ({ values, positionals, out: print }) => {
      const [command, key, ...extra] = positionals;
      if (!command || !(COMMANDS as readonly string[]).includes(command))
        throw new UsageError(`the command must be one of ${COMMANDS.join(", ")}${command ? `, not '${command}'` : ""}`);
      if (command !== "list" && !key)
        throw new UsageError(`'${command}' needs the flag's key, e.g. npm run flag -- ${command} new-checkout --stack production`);
      if (extra.length) throw new UsageError(`unexpected argument(s): ${extra.join(" ")}`);
      const reason = values.reason as string | undefined;
      const edgeUrlArg = values["edge-url"] as string | undefined;
      let stack: string | undefined;
      let baseUrl: string;
      let token: string;
      if (edgeUrlArg) {
        if (values.stack !== undefined) throw new UsageError("give --stack (its edge, from its outputs) or --edge-url, not both");
        baseUrl = edgeUrlArg;
        token = env.EDGE_ADMIN_TOKEN ?? "";
      } else {
        if (values.stack === undefined) throw new UsageError("--stack <stack> is required (or --edge-url <url>), e.g. --stack production");
        stack = resolveStack(values.stack as string, { qualified: true });
        const outputs = await read(stack, path.resolve(__dirname, "..", ".."));
        if (!outputs.edgeUrl || !outputs.edgeAdminToken) throw new Error(`stack '${stack}' has no edgeUrl/edgeAdminToken outputs; run pulumi up on it first`);
        baseUrl = outputs.edgeUrl;
        token = outputs.edgeAdminToken;
      }
      if (token) secrets.push(token);
      const by = `cli:${env.USER ?? env.GITHUB_ACTOR ?? "unknown"}`;
      try {
        const client = new EdgeAdminClient({ url: baseUrl, token, timeoutMs: 3000, retries: 2 }).flags;
        const t0 = Date.now();
        let result: unknown;
        if (command === "list") result = await client.list();
        else if (command === "get") result = (await client.get(key!)) ?? { error: `no flag '${key}'` };
        else if (command === "clear") result = await client.clearOverride(key!);
        else result = await client.setOverride(key!, { state: command as "off" | "on", by, ...(reason ? { reason } : {}) });
        print(JSON.stringify({ command, key, stack, ms: Date.now() - t0, result }, null, 2));
        return 0;
      } catch (err) {
        const e = err as EdgeAdminError;
        throw new Error(
          `flag ${command}${key ? ` ${key}` : ""} failed: ${e.message}${e.issues?.length ? `\n${e.issues.map((i) => `  - ${i.path}: ${i.message}`).join("\n")}` : ""}`,
          { cause: err },
        );
      }
    },
  })(argv, { out: redact(out ?? console.log), err: redact(out ?? console.error) });
}

if (require.main === module) runCli((argv) => main(argv));
