import { ALPHASTACK_PROTECTED_IDS, idsFromAlphaStackConfig, parseIdList, ProtectedResourceError, targetsOf, WriteGuard } from "../../../infra/providers/guard";

function guard(extra: string[] = [], envs: Record<string, string | null> = {}, statuses: Record<string, "protected" | "unprotected"> = {}) {
  const lookups: string[] = [];
  const g = new WriteGuard({
    extraIds: extra,
    environmentOf: async (id) => {
      lookups.push(id);
      return envs[id] ?? null;
    },
    statusOf: async (id) => {
      lookups.push(id);
      return statuses[id];
    },
  });
  return { g, lookups };
}

describe("WriteGuard", () => {
  // Every row has 4 cells: jest passes `done` as an extra argument to rows shorter than the function's arity.
  const writes: Array<[string, "POST" | "PATCH" | "PUT" | "DELETE", string, unknown]> = [
    ["update the engine", "PATCH", "/services/srv-alphastackengine0000", { name: "x" }],
    ["scale the engine", "POST", "/services/srv-alphastackengine0000/scale", { numInstances: 0 }],
    ["suspend the worker", "POST", "/services/srv-alphastackworker0000/suspend", undefined],
    ["deploy the worker", "POST", "/services/srv-alphastackworker0000/deploys", {}],
    ["delete the engine", "DELETE", "/services/srv-alphastackengine0000", undefined],
    ["replace engine env vars", "PUT", "/services/srv-alphastackengine0000/env-vars", [{ key: "A", value: "b" }]],
    ["add a domain to the engine", "POST", "/services/srv-alphastackengine0000/custom-domains", { name: "x.example.com" }],
    ["edit the env group", "PUT", "/env-groups/evg-alphastackenv0000000/env-vars/A", { value: "b" }],
    ["link the env group to our service", "POST", "/env-groups/evg-alphastackenv0000000/services/srv-ourserviceaaaaaaaa", undefined],
    ["link our env group to the engine", "POST", "/env-groups/evg-ourgroupaaaaaaaaaaa/services/srv-alphastackengine0000", undefined],
    ["patch the database", "PATCH", "/postgres/dpg-alphastackdb00000000-a", { plan: "pro_4gb" }],
    ["touch the database's replica", "POST", "/postgres/dpg-alphastackdb00000000-b/suspend", undefined],
    ["export the database", "POST", "/postgres/dpg-alphastackdb00000000-a/export", undefined],
    ["steal the engine's domain", "POST", "/services/srv-ourserviceaaaaaaaa/custom-domains", { name: "engine.alphastack.example" }],
    [
      "create into AlphaStack's environment",
      "POST",
      "/services",
      { name: "x", ownerId: "tea-alphastackprod000000", type: "web_service", environmentId: "evm-alphastackprod000000" },
    ],
    ["move our service into AlphaStack's environment", "POST", "/environments/evm-alphastackprod000000/resources", { resourceIds: ["srv-ourserviceaaaaaaaa"] }],
  ];
  it.each(writes)("refuses to %s", async (_what, method, path, body) => {
    const { g } = guard();
    await expect(g.check({ method, path, body })).rejects.toBeInstanceOf(ProtectedResourceError);
    await expect(g.check({ method, path, body })).rejects.toThrow(/stackguard guard refused .* never changes AlphaStack production/);
  });

  it("allows reads of protected resources without any lookup", async () => {
    const { g, lookups } = guard();
    await g.check({ method: "GET", path: "/services/srv-alphastackengine0000" });
    expect(lookups).toEqual([]);
  });

  it("allows writes to our own resources in unprotected environments", async () => {
    const { g } = guard([], { "srv-ourserviceaaaaaaaa": "evm-stagingaaaaaaaaaaa" }, { "evm-stagingaaaaaaaaaaa": "unprotected" });
    await g.check({ method: "PATCH", path: "/services/srv-ourserviceaaaaaaaa", body: { name: "x" } });
    await g.check({ method: "POST", path: "/services", body: { name: "x", ownerId: "tea-alphastackprod000000", type: "web_service" } });
  });

  it("refuses anything inside an environment whose protectedStatus is protected", async () => {
    const { g } = guard([], { "srv-someoneelseaaaaaaa": "evm-lockedaaaaaaaaaaaa" }, { "evm-lockedaaaaaaaaaaaa": "protected" });
    await expect(g.check({ method: "DELETE", path: "/services/srv-someoneelseaaaaaaa" })).rejects.toThrow(
      /evm-lockedaaaaaaaaaaaa is a Render environment whose protectedStatus is "protected"/,
    );
    await expect(
      g.check({ method: "POST", path: "/env-groups", body: { name: "g", ownerId: "tea-x", envVars: [], environmentId: "evm-lockedaaaaaaaaaaaa" } }),
    ).rejects.toThrow(ProtectedResourceError);
  });

  it("adds ids from config and env", async () => {
    const { g } = guard(["srv-configprotectedaa"]);
    await expect(g.check({ method: "POST", path: "/services/srv-configprotectedaa/resume" })).rejects.toThrow(/listed as protected/);
  });

  it("never puts a body value in its message", async () => {
    const { g } = guard();
    const err = await g
      .check({ method: "PUT", path: "/services/srv-alphastackengine0000/env-vars", body: [{ key: "K", value: "canary-guard-3390" }] })
      .catch((e) => e);
    expect(String(err)).not.toContain("canary-guard-3390");
  });
});

describe("guard helpers", () => {
  it("parses id lists from JSON or text", () => {
    expect(parseIdList('["a","b"]')).toEqual(["a", "b"]);
    expect(parseIdList("a, b c")).toEqual(["a", "b", "c"]);
    expect(parseIdList(undefined)).toEqual([]);
  });
  it("reads the ids of the stackguard:alphaStack config object", () => {
    const ids = idsFromAlphaStackConfig(
      JSON.stringify({ ownerId: "tea-x", environmentId: "evm-y", services: ["srv-1"], envGroups: ["evg-2"], databases: ["dpg-3-a"], domains: ["d.example"] }),
    );
    expect(ids).toEqual(["evm-y", "srv-1", "evg-2", "dpg-3-a", "d.example"]);
    expect(ids).not.toContain("tea-x");
  });
  it("collects path segments and id-carrying body fields only", () => {
    const t = targetsOf({ method: "POST", path: "/environments/evm-aaaaaaaaaaaa/resources", body: { resourceIds: ["srv-b"], name: "srv-looks-like-an-id" } });
    expect(t).toEqual(expect.arrayContaining(["environments", "evm-aaaaaaaaaaaa", "resources", "srv-b"]));
    expect(t).not.toContain("srv-looks-like-an-id");
  });
  it("protects every AlphaStack id from the brief", () => {
    expect(ALPHASTACK_PROTECTED_IDS).toEqual(
      expect.arrayContaining([
        "srv-alphastackengine0000",
        "srv-alphastackworker0000",
        "dpg-alphastackdb00000000-a",
        "evg-alphastackenv0000000",
        "evm-alphastackprod000000",
      ]),
    );
  });
});
