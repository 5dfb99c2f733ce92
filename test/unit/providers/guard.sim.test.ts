import { providerClient, resetProviderContext } from "../../../infra/providers/context";
import { ProtectedResourceError } from "../../../infra/providers/guard";
import { provider as domain } from "../../../infra/providers/impl/custom-domain";
import { provider as envGroup } from "../../../infra/providers/impl/env-group";
import { provider as link } from "../../../infra/providers/impl/env-group-link";
import { provider as envVars } from "../../../infra/providers/impl/env-vars";
import { provider as secretFiles } from "../../../infra/providers/impl/secret-files";
import { provider as pgExport } from "../../../infra/providers/impl/postgres-export";
import { provider as postgres } from "../../../infra/providers/impl/postgres";
import { provider as service } from "../../../infra/providers/impl/service";
import { requestLog } from "../../../infra/render/request-log";
import { providerSim, STAGING_OWNER } from "./sim-harness";

const ENGINE = "srv-alphastackengine0000";
const WORKER = "srv-alphastackworker0000";
const DB = "dpg-alphastackdb00000000-a";
const GROUP = "evg-alphastackenv0000000";
const PROD = "tea-alphastackprod000000";

/** Non-GET requests that reached the wire during `fn`. */
async function writesDuring(fn: () => Promise<unknown>): Promise<string[]> {
  requestLog.reset();
  await fn().catch(() => undefined);
  return requestLog
    .list()
    .filter((e) => e.method !== "GET")
    .map((e) => `${e.method} ${e.path}`);
}

describe("the provider-level guard against the simulator's AlphaStack production", () => {
  let sim: Awaited<ReturnType<typeof providerSim>>;
  let ours: { id: string; outs: Record<string, any> };
  let engineOuts: Record<string, unknown>;
  beforeAll(async () => {
    sim = await providerSim();
    const chk = await service.check!({}, { name: "ours", ownerId: STAGING_OWNER, type: "web_service", image: "docker.io/acme/api:1" });
    ours = (await service.create(chk.inputs)) as { id: string; outs: Record<string, any> };
    engineOuts = (await service.read!(ENGINE, { serviceId: ENGINE } as never)).props;
  });
  afterAll(async () => {
    await sim.done();
  });

  const refusals: Array<[string, () => Promise<unknown>]> = [
    ["update the engine (plan)", () => service.update!(ENGINE, engineOuts, { ...engineOuts, plan: engineOuts.plan === "pro_plus" ? "pro" : "pro_plus" })],
    ["scale the engine to 0 via update", () => service.update!(ENGINE, engineOuts, { ...engineOuts, numInstances: 1 })],
    [
      "suspend the worker via update",
      async () => {
        const w = (await service.read!(WORKER, {} as never)).props;
        return service.update!(WORKER, w, { ...w, suspended: true });
      },
    ],
    ["delete the engine", () => service.delete!(ENGINE, engineOuts)],
    ["adopt the engine by creating a twin of it", async () => service.create({ ...engineOuts, ownerId: PROD })],
    [
      "create a service inside AlphaStack's protected environment",
      async () =>
        service.create(
          (
            await service.check!(
              {},
              {
                name: "sneaky",
                ownerId: PROD,
                type: "web_service",
                image: "docker.io/acme/x:1",
                environmentId: "evm-alphastackprod000000",
              },
            )
          ).inputs,
        ),
    ],
    ["set the engine's env vars", () => envVars.create({ serviceId: ENGINE, values: { X: "1" }, unmanagedKeys: [] })],
    ["delete the engine's env vars", () => envVars.delete!(`${ENGINE}/env-vars`, { serviceId: ENGINE, values: {}, unmanagedKeys: [] })],
    ["set the worker's secret files", () => secretFiles.create({ serviceId: WORKER, files: { a: "b" }, unmanagedKeys: [] })],
    [
      "edit AlphaStack's env group",
      () =>
        envGroup.update!(
          GROUP,
          { name: "alphastack-env", ownerId: PROD, envVars: {}, secretFiles: {} },
          { name: "alphastack-env", ownerId: PROD, envVars: { LOG_LEVEL: "debug" }, secretFiles: {} },
        ),
    ],
    ["delete AlphaStack's env group", () => envGroup.delete!(GROUP, {})],
    [
      "adopt AlphaStack's env group by name",
      () => envGroup.create({ name: "alphastack-env", ownerId: PROD, envVars: {}, secretFiles: {}, environmentId: "evm-alphastackprod000000" }),
    ],
    ["link AlphaStack's env group to our service", () => link.create({ envGroupId: GROUP, serviceId: ours.id })],
    ["unlink AlphaStack's env group from the engine", () => link.delete!(`${GROUP}/${ENGINE}`, { envGroupId: GROUP, serviceId: ENGINE })],
    [
      "resize AlphaStack's database",
      async () => {
        const p = (await postgres.read!(DB, {} as never)).props;
        return postgres.update!(DB, p, { ...p, plan: "pro_8gb" });
      },
    ],
    ["delete AlphaStack's database", () => postgres.delete!(DB, {})],
    ["export AlphaStack's database", () => pgExport.create({ postgresId: DB, trigger: "" })],
    ["add a domain to the engine", () => domain.create({ serviceId: ENGINE, name: "new.alphastack.example", verify: true })],
    ["take AlphaStack's domain onto our service", () => domain.create({ serviceId: ours.id, name: "engine.alphastack.example", verify: true })],
    ["delete the engine's domain", () => domain.delete!("cdm-alphastackengine0dom", { serviceId: ENGINE })],
    ["trigger a deploy of the engine", () => providerClient().services.deploy(ENGINE)],
    ["scale the worker", () => providerClient().services.scale(WORKER, 0)],
    ["suspend the engine", () => providerClient().services.suspend(ENGINE)],
    ["roll back the engine", () => providerClient().services.rollback(ENGINE, "dep-alphastackengine0001")],
  ];

  it.each(refusals)("refuses to %s, before anything is sent", async (_what, act) => {
    const err = await act().then(
      () => undefined,
      (e) => e,
    );
    expect(err).toBeInstanceOf(ProtectedResourceError);
    expect(String(err)).toMatch(/stackguard guard refused/);
    expect(await writesDuring(act)).toEqual([]);
  });

  it("left AlphaStack exactly as seeded", async () => {
    const engine = (await sim.api.get(`/services/${ENGINE}`)).body;
    expect(engine).toMatchObject({ name: "alphastack-engine", suspended: "not_suspended", serviceDetails: { numInstances: 3 } });
    const group = (await sim.api.get(`/env-groups/${GROUP}`)).body;
    expect(group.envVars.map((e: { key: string }) => e.key).sort()).toEqual(["ALPHASTACK_MODE", "DATABASE_POOL_SIZE", "LOG_LEVEL", "MARKET_DATA_API_KEY"]);
    expect(group.serviceLinks.map((l: { id: string }) => l.id).sort()).toEqual([ENGINE, WORKER].sort());
    expect((await sim.api.get(`/postgres/${DB}`)).body.plan).toBe("pro_4gb");
    expect((await sim.api.get(`/services/${ENGINE}/custom-domains/engine.alphastack.example`)).status).toBe(200);
  });

  it("allows reads of every protected kind", async () => {
    expect((await service.read!(ENGINE, {} as never)).props).toMatchObject({ name: "alphastack-engine", serviceId: ENGINE });
    expect((await envGroup.read!(GROUP, {} as never)).props).toMatchObject({ name: "alphastack-env" });
    expect((await postgres.read!(DB, {} as never)).props).toMatchObject({ name: "alphastack-db" });
    expect((await link.read!(`${GROUP}/${ENGINE}`, { envGroupId: GROUP, serviceId: ENGINE } as never)).id).toBe(`${GROUP}/${ENGINE}`);
    expect((await domain.read!("cdm-alphastackengine0dom", { serviceId: ENGINE } as never)).props).toMatchObject({ name: "engine.alphastack.example" });
  });

  it("refuses writes to anything in an environment whose protectedStatus is protected (not only AlphaStack's)", async () => {
    const prj = await sim.api.post("/projects", { name: "locked", ownerId: STAGING_OWNER, environments: [{ name: "locked", protectedStatus: "protected" }] });
    const evm = prj.body.environmentIds[0];
    const svc = await sim.api.post("/services", {
      type: "web_service",
      name: "locked-svc",
      ownerId: STAGING_OWNER,
      environmentId: evm,
      image: { ownerId: STAGING_OWNER, imagePath: "nginx" },
      serviceDetails: { runtime: "image" },
    });
    const id = svc.body.service.id;
    resetProviderContext();
    const outs = (await service.read!(id, {} as never)).props;
    await expect(service.update!(id, outs, { ...outs, plan: "pro" })).rejects.toThrow(/protectedStatus is "protected"/);
    await expect(envVars.create({ serviceId: id, values: { A: "1" }, unmanagedKeys: [] })).rejects.toThrow(ProtectedResourceError);
    // and an unprotected environment is fine
    await sim.api.patch(`/environments/${evm}`, { protectedStatus: "unprotected" });
    resetProviderContext();
    await expect(envVars.create({ serviceId: id, values: { A: "1" }, unmanagedKeys: [] })).resolves.toMatchObject({ id: `${id}/env-vars` });
  });

  it("takes extra protected ids from stack config (configure) and STACKGUARD_PROTECTED_IDS", async () => {
    const cfg = { "stackguard:protectedIds": JSON.stringify([ours.id]) } as Record<string, string>;
    await service.configure!({ config: { get: (k: string) => cfg[k], require: (k: string) => cfg[k] } });
    await expect(service.update!(ours.id, ours.outs, { ...ours.outs, plan: "pro" })).rejects.toThrow(/listed as protected/);
    resetProviderContext();
    process.env.STACKGUARD_PROTECTED_IDS = `evg-nothing00000000, ${ours.id}`;
    try {
      await expect(service.delete!(ours.id, ours.outs)).rejects.toThrow(ProtectedResourceError);
    } finally {
      delete process.env.STACKGUARD_PROTECTED_IDS;
    }
    await service.delete!(ours.id, ours.outs);
  });
});
