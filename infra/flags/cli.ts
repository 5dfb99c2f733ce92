/**
 * `npm run flag -- <off|on|clear|get|list> [key] [--stack <stack>] [--reason "<why>"] [--edge-url <url>]`
 *
 * The kill switch: one authenticated call to the stack's edge, which persists the override in its replicated state
 * and serves it to every app on their next poll. The next `pulumi up` records it instead of undoing it (see README).
 * The edge URL comes from `--edge-url`, `EDGE_URL_<STACK>` or `EDGE_URL`; the token from `EDGE_ADMIN_TOKEN_<STACK>` or
 * `EDGE_ADMIN_TOKEN` (never from an argument, so it stays out of shell history).
 */
import { parseArgs } from "node:util";
import { AdminApiError, FlagAdminClient } from "./admin-client";

const USAGE = 'usage: npm run flag -- <off|on|clear|get|list> [key] [--stack staging|production] [--reason "why"] [--edge-url URL]';

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, out: (s: string) => void = console.log): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { stack: { type: "string" }, reason: { type: "string" }, "edge-url": { type: "string" } } });
  } catch (e) {
    out(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { stack, reason, "edge-url": edgeUrlArg } = parsed.values;
  const [command, key] = parsed.positionals;
  const suffix = stack ? `_${stack.toUpperCase().replace(/[^A-Z0-9]/g, "_")}` : "";
  const baseUrl = edgeUrlArg ?? env[`EDGE_URL${suffix}`] ?? env.EDGE_URL ?? "";
  const token = env[`EDGE_ADMIN_TOKEN${suffix}`] ?? env.EDGE_ADMIN_TOKEN ?? "";
  if (!command || !["off", "on", "clear", "get", "list"].includes(command) || (command !== "list" && !key)) {
    out(USAGE);
    return 2;
  }
  const by = `cli:${env.USER ?? env.GITHUB_ACTOR ?? "unknown"}`;
  try {
    const client = new FlagAdminClient({ baseUrl, token, timeoutMs: 3000, retries: 2 });
    const t0 = Date.now();
    let result: unknown;
    if (command === "list") result = await client.list();
    else if (command === "get") result = (await client.get(key!)) ?? { error: `no flag '${key}'` };
    else if (command === "clear") result = await client.clearOverride(key!);
    else result = await client.setOverride(key!, { state: command as "off" | "on", by, ...(reason ? { reason } : {}) });
    out(JSON.stringify({ command, key, stack, ms: Date.now() - t0, result }, null, 2));
    return 0;
  } catch (err) {
    const e = err as AdminApiError;
    out(`flag ${command}${key ? ` ${key}` : ""} failed: ${e.message}${e.issues?.length ? `\n${e.issues.map((i) => `  - ${i.path}: ${i.message}`).join("\n")}` : ""}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
