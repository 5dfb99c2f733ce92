/**
 * `npm run rollback` (tools/scripts/rollback.ts) against a real in-process edge and real slot servers. The stack
 * outputs are given directly (the `pulumi stack output` read is exercised in test/integration/blue-green.test.ts).
 */
import { main } from "../../../tools/scripts/rollback";
import { admin, edgeEnv, slots, startEdge, TOKEN, until } from "../edge/helpers";

describe("npm run rollback", () => {
  let s: Awaited<ReturnType<typeof slots>>;
  let edge: Awaited<ReturnType<typeof startEdge>>;
  const lines: string[] = [];
  const outputs = () => ({
    edgeUrl: edge.url,
    edgeAdminToken: TOKEN,
    apps: {
      api: {
        blue: "srv-a",
        green: "srv-b",
        activeSlot: "green",
        versions: { blue: "1.4.2", green: "1.5.0" },
        lastPromotion: { result: "promoted", from: "blue", to: "green", version: "1.5.0" },
      },
      worker: { id: "srv-w" },
    },
  });
  const run = (...argv: string[]) => main(argv, { read: async () => outputs() as never, out: (l) => lines.push(l), env: { USER: "tester" } });
  const active = async () => (await admin(edge.url, "GET", "/__edge/state")).body.apps.api.active;

  beforeAll(async () => {
    s = await slots("api");
    edge = await startEdge(edgeEnv(s));
  });
  afterAll(async () => {
    await edge.stop();
    await s.api.blue.close();
    await s.api.green.close();
  });
  beforeEach(async () => {
    lines.length = 0;
    s.api.blue.faults.healthy = true;
    await until(async () => (await admin(edge.url, "GET", "/__edge/state")).body.apps.api.slots.blue.health === "Successful");
    expect((await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green", force: true })).status).toBe(200);
  });

  it("switches to the slot the last promotion left, says what it did, and is safe to re-run", async () => {
    expect(await run("--stack", "staging", "--app", "api")).toBe(0);
    expect(lines.join("\n")).toMatch(/switched api from api-green \(1\.5\.0\) to api-blue \(1\.4\.2\) in \d+ ms/);
    expect(await active()).toBe("blue");
    lines.length = 0;
    expect(await run("--stack", "staging", "--app", "api")).toBe(0);
    expect(lines.join("\n")).toMatch(/already on api-blue \(1\.4\.2\); nothing changed/);
    expect(await active()).toBe("blue");
    const events = (await admin(edge.url, "GET", "/__edge/events")).body.events;
    expect(events.filter((e: { kind: string; by: string }) => e.kind === "switch" && e.by.startsWith("rollback-cli:tester@"))).toHaveLength(1);
  });

  it("refuses an unhealthy warm slot unless --force, and never prints the token", async () => {
    s.api.blue.faults.healthy = false;
    expect(await run("--stack", "staging", "--app", "api")).toBe(1);
    expect(lines.join("\n")).toMatch(/rollback refused by the edge: slot blue of api is not healthy.*\n\(pass --force to switch anyway\)/s);
    expect(await active()).toBe("green");
    lines.length = 0;
    expect(await run("--stack", "staging", "--app", "api", "--force")).toBe(0);
    expect(lines.join("\n")).toMatch(/to api-blue \(1\.4\.2\) \(forced\)/);
    // Forced onto a failing slot while the other is healthy: the edge's own steady-state rollback takes it back.
    const events = (await admin(edge.url, "GET", "/__edge/events")).body.events as Array<{ kind: string; to?: string; forced?: boolean; by: string }>;
    expect(events.some((e) => e.kind === "switch" && e.to === "blue" && e.forced && e.by.startsWith("rollback-cli:"))).toBe(true);
    await until(async () =>
      (await admin(edge.url, "GET", "/__edge/events")).body.events.some((e: { kind: string; to?: string }) => e.kind === "auto-rollback" && e.to === "green"),
    );
    expect(lines.join("\n")).not.toContain(TOKEN);
  });

  it("names an unknown app (and lists the blue/green apps), and rejects missing arguments with the usage", async () => {
    expect(await run("--stack", "staging", "--app", "worker")).toBe(1);
    expect(lines.join("\n")).toMatch(/unknown app 'worker' in stack 'staging'; blue\/green apps there: api/);
    lines.length = 0;
    expect(await run("--stack", "staging")).toBe(2);
    expect(lines.join("\n")).toMatch(/usage: npm run rollback -- --stack <stack> --app <app>/);
    expect(await active()).toBe("green");
  });

  it("names the stack when its outputs cannot be read", async () => {
    const code = await main(["--stack", "nope", "--app", "api"], {
      read: async (stack) => {
        throw new Error(`cannot read the outputs of stack '${stack}'`);
      },
      out: (l) => lines.push(l),
    });
    expect(code).toBe(1);
    expect(lines.join("\n")).toMatch(/rollback failed: cannot read the outputs of stack 'nope'/);
  });
});
