import * as path from "node:path";
import { defineCli, resolveStack, stackConfig, UsageError } from "../../../infra/cli/define-cli";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const CANARY = "canary-secret-7f3a";

function cli(run: (v: { values: Record<string, unknown>; positionals: string[] }) => number | Promise<number>) {
  const main = defineCli({
    usage: "usage: demo --stack <stack> [--count <n>] [--json]",
    name: "demo",
    options: { stack: { type: "string" }, count: { type: "string" }, json: { type: "boolean" } },
    run: (ctx) => run(ctx as never),
  });
  return async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
}

describe("defineCli", () => {
  it("passes the parsed options to run and returns its code", async () => {
    let seen: unknown;
    const r = await cli(({ values }) => ((seen = values), 0))(["--stack", "staging", "--count=3", "--json"]);
    expect(r).toEqual({ code: 0, out: "", err: "" });
    expect(seen).toEqual({ stack: "staging", count: "3", json: true });
  });

  it("exits 2 with the message and the usage on an unknown option, a missing value or a positional", async () => {
    const run = cli(() => 0);
    const unknown = await run(["--stack", "staging", "--cheap"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^demo: Unknown option '--cheap'[\s\S]*\nusage: demo --stack <stack>/);
    const missing = await run(["--stack"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--stack <value>' argument missing[\s\S]*usage: demo/);
    expect((await run(["extra"])).code).toBe(2);
    expect(unknown.out + missing.out).toBe("");
  });

  it("exits 2 on a thrown UsageError, 1 on any other error, with its message only", async () => {
    const usage = await cli(() => {
      throw new UsageError("--count must be a whole number");
    })([]);
    expect(usage).toEqual({ code: 2, out: "", err: "demo: --count must be a whole number\nusage: demo --stack <stack> [--count <n>] [--json]" });
    const failed = await cli(async () => {
      const e = new Error("Render answered 503");
      e.stack = `Error: Render answered 503\n    at request (${CANARY})`;
      throw e;
    })([]);
    expect(failed).toEqual({ code: 1, out: "", err: "demo: Render answered 503" });
  });

  it("prints the usage on stdout and exits 0 for --help and -h, without running", async () => {
    const run = cli(() => {
      throw new Error("must not run");
    });
    for (const flag of ["--help", "-h"]) expect(await run([flag])).toEqual({ code: 0, out: "usage: demo --stack <stack> [--count <n>] [--json]", err: "" });
  });

  it("validates --stack with Pulumi's stack name rule, naming the option and an example", async () => {
    expect(resolveStack("production")).toBe("production");
    expect(() => resolveStack(undefined)).toThrow(new UsageError("--stack <stack> is required, e.g. --stack staging"));
    expect(() => resolveStack("../etc")).toThrow(/--stack '\.\.\/etc' is not a stack name: .*e\.g\. --stack staging/);
    expect(() => resolveStack("a".repeat(101))).toThrow(UsageError);
    expect(resolveStack("acme/stackguard/staging", { qualified: true })).toBe("acme/stackguard/staging");
    expect(() => resolveStack("a/b/c/d", { qualified: true })).toThrow(UsageError);
    const r = await cli(({ values }) => (resolveStack(values.stack as string | undefined), 0))(["--stack", "bad name"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^demo: --stack 'bad name' is not a stack name/);
  });

  it("reads the stack's config from its Pulumi.<stack>.yaml; an unknown stack is a usage error listing the known ones", () => {
    expect(stackConfig("staging", ROOT).environment).toBe("staging");
    expect(() => stackConfig("prod", ROOT)).toThrow(new UsageError("unknown stack 'prod': there is no Pulumi.prod.yaml. Known stacks: production, staging."));
  });
});
