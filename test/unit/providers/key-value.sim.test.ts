/**
 * `render:KeyValue` against the in-process simulator, whose Key Value instances are real redis-server processes:
 * the connection info the provider records answers PING, an in-place maxmemoryPolicy change reaches the server,
 * and the instance's password never shows in the provider's errors or the client's request log.
 */
import Redis from "ioredis";
import { resetProviderContext } from "../../../infra/providers/context";
import { ProtectedResourceError } from "../../../infra/providers/guard";
import { provider as kvProvider } from "../../../infra/providers/impl/key-value";
import { redact } from "../../../infra/redact";
import { requestLog } from "../../../infra/render/request-log";
import { providerSim, STAGING_OWNER } from "./sim-harness";

jest.setTimeout(120_000);

type Inputs = Record<string, unknown>;

async function checked(news: Inputs): Promise<Inputs> {
  const r = await kvProvider.check!({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs as Inputs;
}

/** A connected ioredis client that fails at once instead of retrying forever. */
async function redisAt(url: string): Promise<Redis> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 10_000 });
  await r.connect();
  return r;
}

describe("KeyValue against the simulator (real redis-server)", () => {
  let sim: Awaited<ReturnType<typeof providerSim>>;
  beforeAll(async () => {
    sim = await providerSim();
  });
  afterAll(async () => {
    await sim.done();
  });

  it("check refuses bad input naming the field and the fix, before any API call", async () => {
    requestLog.reset();
    const base = { name: "bad-edge-state", ownerId: STAGING_OWNER, plan: "starter" };
    const failure = async (news: Inputs, field: string) => {
      const r = await kvProvider.check!({}, news);
      const f = (r.failures ?? []).find((x) => x.property === field);
      expect(f).toBeDefined();
      return f!.reason;
    };
    expect(await failure({ ...base, plan: "hobby" }, "plan")).toMatch(
      /^KeyValue "bad-edge-state": plan: .*use one of: "free", "starter", "standard", "pro", "pro_plus"/,
    );
    expect(await failure({ ...base, maxmemoryPolicy: "allkeys-lru" }, "maxmemoryPolicy")).toMatch(/maxmemoryPolicy: .*"noeviction".*"allkeys_lru"/);
    expect(await failure({ ...base, region: "mars" }, "region")).toMatch(/region: .*"oregon"/);
    expect(await failure({ ...base, ownerId: "srv-abc" }, "ownerId")).toMatch(/ownerId must be a workspace id like tea-/);
    expect(await failure({ ...base, ipAllowList: [{ cidrBlock: "10.0.0.1" }] }, "ipAllowList")).toMatch(
      /ipAllowList\.0\.cidrBlock: cidrBlock must be CIDR notation/,
    );
    expect(await failure({ ...base, name: "  " }, "name")).toMatch(/name is required/);
    expect(await failure({ ...base, persistence: "aof" }, "")).toMatch(/remove persistence \(not a field of this resource\)/);
    expect(requestLog.stats().calls).toBe(0);
  });

  it("create waits for available; the recorded connection string answers PING; refresh is clean; in-place and replacement fields; delete", async () => {
    const inputs = await checked({ name: "staging-edge-state", ownerId: STAGING_OWNER, plan: "starter", maxmemoryPolicy: "allkeys_lru" });
    expect(inputs).toMatchObject({ region: "oregon", ipAllowList: [] });

    const c = await sim.count(() => kvProvider.create(inputs));
    const id = c.result.id;
    const outs = c.result.outs;
    expect(id).toMatch(/^red-[0-9a-v]{20}$/);
    expect(outs).toMatchObject({ keyValueId: id, status: "available", maxmemoryPolicy: "allkeys_lru", persistenceMode: "aof", ipAllowList: [] });
    expect(c.byRoute).toMatchObject({ "GET /key-value": 1, "POST /key-value": 1, "GET /key-value/:id/connection-info": 1 });
    expect(c.byRoute["GET /key-value/:id"]).toBeGreaterThanOrEqual(1); // the wait for `available`

    for (const url of [outs.connectionInfo.internalConnectionString, outs.connectionInfo.externalConnectionString]) {
      const r = await redisAt(url);
      try {
        expect(await r.ping()).toBe("PONG");
        expect(await r.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "allkeys-lru"]);
      } finally {
        r.disconnect();
      }
    }

    // Refresh: two reads, no change.
    const r = await sim.count(() => kvProvider.read!(id, outs));
    expect(r.byRoute).toEqual({ "GET /key-value/:id": 1, "GET /key-value/:id/connection-info": 1 });
    expect(r.result.inputs).toMatchObject({ name: "staging-edge-state", plan: "starter", maxmemoryPolicy: "allkeys_lru", ipAllowList: [] });
    expect((await kvProvider.diff!(id, r.result.props, inputs)).changes).toBe(false);

    // Replacement: owner and region are fixed at creation. In place: Render's PATCH fields and an environment move.
    expect((await kvProvider.diff!(id, r.result.props, { ...inputs, region: "frankfurt" })).replaces).toEqual(["region"]);
    expect((await kvProvider.diff!(id, r.result.props, { ...inputs, ownerId: "tea-otherworkspace00" })).replaces).toEqual(["ownerId"]);
    for (const change of [
      { name: "renamed-edge-state" },
      { plan: "standard" },
      { maxmemoryPolicy: "noeviction" },
      { ipAllowList: [{ cidrBlock: "10.0.0.0/8", description: "vpn" }] },
      { environmentId: "evm-abc123" },
    ]) {
      expect(await kvProvider.diff!(id, r.result.props, { ...inputs, ...change })).toMatchObject({ changes: true, replaces: [] });
    }

    // In place: the new eviction policy reaches the real server, and the data is kept.
    const before = await redisAt(outs.connectionInfo.internalConnectionString);
    await before.set("slot:api", "green");
    before.disconnect();
    const news = await checked({ ...inputs, maxmemoryPolicy: "noeviction" });
    const u = await sim.count(() => kvProvider.update!(id, r.result.props, news));
    expect(u.byRoute["PATCH /key-value/:id"]).toBe(1);
    expect(u.byRoute["GET /key-value/:id/connection-info"]).toBeUndefined();
    expect(u.result.outs).toMatchObject({ maxmemoryPolicy: "noeviction", status: "available", connectionInfo: outs.connectionInfo });
    const after = await redisAt(outs.connectionInfo.internalConnectionString);
    try {
      expect(await after.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
      expect(await after.get("slot:api")).toBe("green");
    } finally {
      after.disconnect();
    }

    // Drift: an allow-list entry added outside Pulumi shows on refresh and the next update removes it.
    await sim.api.patch(`/key-value/${id}`, { ipAllowList: [{ cidrBlock: "0.0.0.0/0", description: "everyone" }] });
    const drift = await kvProvider.read!(id, u.result.outs);
    expect(drift.props.ipAllowList).toEqual([{ cidrBlock: "0.0.0.0/0", description: "everyone" }]);
    expect((await kvProvider.diff!(id, drift.props, news)).changes).toBe(true);
    await kvProvider.update!(id, drift.props, news);
    // Render answers `null` for the emptied list; the provider reads it as [].
    expect((await sim.api.get(`/key-value/${id}`)).body.ipAllowList).toBeNull();
    expect((await kvProvider.read!(id, drift.props)).props.ipAllowList).toEqual([]);

    // Delete; a second delete (already gone) succeeds; a read says gone.
    await kvProvider.delete!(id, drift.props);
    await kvProvider.delete!(id, drift.props);
    expect((await kvProvider.read!(id, drift.props)).id).toBe("");
  });

  it("a lost create answer is adopted, not duplicated; adopt converges the declared policy", async () => {
    const inputs = await checked({ name: "lost-edge-state", ownerId: STAGING_OWNER, plan: "starter", maxmemoryPolicy: "noeviction" });
    await sim.faults({ rules: [{ method: "POST", path: "^/key-value$", status: 500, when: "after", times: 1 }] });
    const c = await kvProvider.create(inputs);
    await sim.faults({});
    const list = (await sim.api.get(`/key-value?name=lost-edge-state&ownerId=${STAGING_OWNER}`)).body;
    expect(list.map((x: { keyValue: { id: string } }) => x.keyValue.id)).toEqual([c.id]);
    // Declared again with another policy (as after a lost state): adopted and PATCHed, not created.
    const again = await sim.count(() => kvProvider.create({ ...inputs, maxmemoryPolicy: "volatile_lru" }));
    expect(again.result.id).toBe(c.id);
    expect(again.byRoute["POST /key-value"]).toBeUndefined();
    expect(again.byRoute["PATCH /key-value/:id"]).toBe(1);
    expect(again.result.outs.maxmemoryPolicy).toBe("volatile_lru");
    await kvProvider.delete!(c.id, c.outs);
  });

  it("the write guard finds a Key Value's environment: no write to one in a protected environment, even cold", async () => {
    const prj = await sim.api.post("/projects", {
      name: "locked-kv",
      ownerId: STAGING_OWNER,
      environments: [{ name: "locked", protectedStatus: "protected" }],
    });
    const evm = prj.body.environmentIds[0] as string;
    const created = await sim.api.post("/key-value", { name: "locked-edge-state", ownerId: STAGING_OWNER, plan: "starter", environmentId: evm });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    // A fresh provider process knows nothing of the instance: the guard must look its environment up itself.
    resetProviderContext();
    await expect(kvProvider.delete!(id, {})).rejects.toThrow(ProtectedResourceError);
    resetProviderContext();
    const inputs = await checked({ name: "locked-edge-state", ownerId: STAGING_OWNER, plan: "starter", environmentId: evm });
    await expect(
      kvProvider.update!(id, { ...inputs, keyValueId: id, status: "available", version: "8.1.4" } as never, { ...inputs, plan: "standard" }),
    ).rejects.toThrow(/protectedStatus is "protected"/);
    expect((await sim.api.get(`/key-value/${id}`)).body.plan).toBe("starter");
    await sim.api.patch(`/environments/${evm}`, { protectedStatus: "unprotected" });
    resetProviderContext();
    await kvProvider.delete!(id, {});
  });

  it("canary: the password and connection strings never appear in the request log, the provider's errors or its output", async () => {
    const printed: string[] = [];
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation((...a: unknown[]) => {
        printed.push(a.map(String).join(" "));
      }),
    );
    const writes = [process.stdout, process.stderr].map((s) =>
      jest.spyOn(s, "write").mockImplementation(((chunk: unknown) => {
        printed.push(String(chunk));
        return true;
      }) as never),
    );
    const errors: string[] = [];
    const secrets: string[] = [];
    let id = "";
    try {
      requestLog.reset();
      const inputs = await checked({ name: "canary-edge-state", ownerId: STAGING_OWNER, plan: "starter", maxmemoryPolicy: "noeviction" });
      const c = await kvProvider.create(inputs);
      id = c.id;
      const info = c.outs.connectionInfo;
      const password = decodeURIComponent(new URL(info.externalConnectionString).password);
      expect(password.length).toBeGreaterThanOrEqual(16);
      secrets.push(password, info.externalConnectionString, info.cliCommand);

      // The provider's own failure after it holds the secrets (a suspended instance never becomes available) and a
      // Render failure of the call that returns them (connection info answering 500 on every retry).
      await sim.api.post(`/key-value/${id}/suspend`);
      await kvProvider.update!(id, c.outs, { ...inputs, maxmemoryPolicy: "volatile_ttl" }).then(
        () => errors.push("(no error)"),
        (e: Error) => errors.push(`${e.message}\n${e.stack ?? ""}`),
      );
      expect(errors[0]).toMatch(/KeyValue "canary-edge-state" \(red-[0-9a-v]+\) is suspended: resume it/);
      await sim.api.post(`/key-value/${id}/resume`);
      await sim.faults({ rules: [{ path: "/connection-info$", status: 500, times: 100 }] });
      await kvProvider.read!(id, c.outs).then(
        () => errors.push("(no error)"),
        (e: Error) => errors.push(`${e.message}\n${e.stack ?? ""}`),
      );
      await sim.faults({});
      expect(errors[1]).toMatch(/connection-info failed: HTTP 500/);

      // Should Render ever echo them in a message, the client's redaction knows them now (the CLI command's
      // `--pass <pw>` has no credential shape a pattern would catch).
      expect(redact(`Render said: ${info.cliCommand} / ${password}`)).not.toContain(password);
    } finally {
      await sim.faults({});
      for (const s of [...spies, ...writes]) s.mockRestore();
      if (id) await kvProvider.delete!(id, {});
    }
    const everything = [JSON.stringify(requestLog.list()), ...errors, ...printed].join("\n");
    for (const s of secrets) expect(everything).not.toContain(s);
  });
});
