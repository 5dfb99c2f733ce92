/**
 * The CLIs' shared convention (infra/cli/define-cli.ts) on the real entry points: a usage error exits 2 with the
 * usage, before any call to Render or pulumi (none is reachable or injected here: a call would fail with exit 1).
 */
import { main as backup } from "../../../tools/scripts/db-backup";
import { main as restore } from "../../../tools/scripts/db-restore";

async function run(main: (argv: string[], io: { out: (s: string) => void; err: (s: string) => void }) => Promise<number>, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("npm run db:backup: usage errors", () => {
  const saved = process.env.RENDER_API_URL;
  // A Render that does not exist: reaching it would fail with exit 1, not 2.
  beforeAll(() => (process.env.RENDER_API_URL = "http://127.0.0.1:9/v1"));
  afterAll(() => (saved === undefined ? delete process.env.RENDER_API_URL : (process.env.RENDER_API_URL = saved)));

  it("exits 2 with the usage on a missing or unknown stack, an unknown option or a bad value", async () => {
    expect(await run(backup, [])).toMatchObject({
      code: 2,
      out: "",
      err: expect.stringMatching(/--stack <stack> is required, e\.g\. --stack staging\nusage: npm run db:backup/),
    });
    expect(await run(backup, ["--stack", "prod"])).toMatchObject({
      code: 2,
      err: expect.stringContaining("unknown stack 'prod': there is no Pulumi.prod.yaml. Known stacks: production, staging."),
    });
    expect(await run(backup, ["--stack", "staging", "--stack-name", "x"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/Unknown option '--stack-name'/),
    });
    expect(await run(backup, ["--stack", "staging", "--timeout-seconds", "soon"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--timeout-seconds must be a whole number/),
    });
    expect(await run(backup, ["--stack", "staging", "--download"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/'--download <value>' argument missing/),
    });
    expect(await run(backup, ["--help"])).toMatchObject({ code: 0, out: expect.stringMatching(/^usage: npm run db:backup/) });
  });
});

describe("npm run db:restore: usage errors", () => {
  // No Render client or pulumi runner reachable: these must fail before either is needed.
  const restoreIO = (argv: string[], io: { out: (s: string) => void; err: (s: string) => void }) =>
    restore(argv, {
      out: io.out,
      log: io.err,
      pulumi: async () => {
        throw new Error("pulumi must not run");
      },
    });

  it("exits 2 naming the field, with the usage", async () => {
    const at = "2026-11-27T00:30:00Z";
    expect(await run(restoreIO, ["--stack", "staging"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^error: --to: is required, e\.g\. --to 2026-11-27T00:30:00Z\nusage: npm run db:restore/),
    });
    expect(await run(restoreIO, ["--to", at])).toMatchObject({ code: 2, err: expect.stringMatching(/--stack <stack> is required/) });
    expect(await run(restoreIO, ["--stack", "qa", "--to", at])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--stack: unknown stack 'qa'.*Known stacks: production, staging/),
    });
    expect(await run(restoreIO, ["--stack", "staging", "--to", at, "--force"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/Unknown option '--force'/),
    });
    expect(await run(restoreIO, ["--stack", "staging", "--to", at, "--timeout-seconds", "0"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--timeout-seconds: must be a whole number/),
    });
  });
});

describe("the policy pack's scripts: usage errors", () => {
  it("npm run gate, baseline, allowlist exit 2 with the usage on bad options, before any preview or write", async () => {
    const { main: gate } = await import("../../../policies/scripts/gate");
    const { main: baseline } = await import("../../../policies/scripts/baseline");
    const { main: allowlist } = await import("../../../policies/scripts/allowlist");
    expect(await run(gate, [])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^\[stackguard\] gate: --stack <stack> is required, e\.g\. --stack staging\nusage: npm run gate/),
    });
    expect(await run(gate, ["--stack", "org/staging"])).toMatchObject({ code: 2, err: expect.stringMatching(/--stack 'org\/staging' is not a stack name/) });
    expect(await run(gate, ["--stack", "staging", "--timeout-minutes", "0"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--timeout-minutes must be a positive number/),
    });
    expect(await run(baseline, ["--stack", "staging", "--state", "/nonexistent/export.json"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--state \/nonexistent\/export\.json: no such file/),
    });
    expect(await run(baseline, ["--stack", "staging", "--chek"])).toMatchObject({ code: 2, err: expect.stringMatching(/Unknown option '--chek'/) });
    expect(await run(allowlist, ["--name", "warm"])).toMatchObject({ code: 2, err: expect.stringMatching(/--name only goes with --command/) });
    expect(await run(allowlist, ["--help"])).toMatchObject({ code: 0, out: expect.stringMatching(/^usage: npm run allowlist/) });
  });
});
