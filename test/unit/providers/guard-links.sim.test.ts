import { resetProviderContext } from "../../../infra/providers/context";
import { ProtectedResourceError } from "../../../infra/providers/guard";
import { provider as envGroup } from "../../../infra/providers/impl/env-group";
import { provider as envVars } from "../../../infra/providers/impl/env-vars";
import { requestLog } from "../../../infra/render/request-log";
import { clientFromEnv } from "../../../tools/scripts/db-backup";
import { providerSim, STAGING_OWNER } from "./sim-harness";

/**
 * Issue 14 f: the write guard reads an env group's links before writing into it (a group AlphaStack is linked to is
 * AlphaStack's env), compares ids normalized (Render ids are lower case), and `npm run db:backup` goes through it.
 */

const ENGINE = "srv-alphastackengine0000";
const DB = "dpg-alphastackdb00000000-a";

async function writesDuring(fn: () => Promise<unknown>): Promise<string[]> {
  requestLog.reset();
  await fn().catch(() => undefined);
  return requestLog
    .list()
    .filter((e) => e.method !== "GET")
    .map((e) => `${e.method} ${e.path}`);
}

describe("the write guard: env groups linked to AlphaStack, id case, db:backup", () => {
  let sim: Awaited<ReturnType<typeof providerSim>>;
  beforeAll(async () => {
    sim = await providerSim();
  });
  afterAll(async () => {
    await sim.done();
  });

  test("a value written into one of our env groups that AlphaStack's engine is linked to is refused before anything is sent", async () => {
    // Ours by name and owner, but AlphaStack's engine reads it (linked outside this project, e.g. in the dashboard).
    const created = await sim.api.post("/env-groups", {
      name: "shared-risk",
      ownerId: STAGING_OWNER,
      envVars: [{ key: "A", value: "1" }],
      serviceIds: [ENGINE],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    resetProviderContext();
    const olds = { name: "shared-risk", ownerId: STAGING_OWNER, envVars: { A: "1" }, secretFiles: {} };
    const act = () => envGroup.update!(id, olds, { ...olds, envVars: { A: "1", RISK_LIMIT: "999999" } });
    const err = await act().then(
      () => undefined,
      (e) => e,
    );
    expect(err).toBeInstanceOf(ProtectedResourceError);
    expect(String(err)).toMatch(new RegExp(`${id} is linked to ${ENGINE}, which is AlphaStack production`));
    expect(await writesDuring(act)).toEqual([]);
    expect((await sim.api.get(`/env-groups/${id}`)).body.envVars.map((e: { key: string }) => e.key)).toEqual(["A"]);

    // The same group without the link takes the value (no false block).
    const mine = await sim.api.post("/env-groups", { name: "mine-only", ownerId: STAGING_OWNER, envVars: [{ key: "A", value: "1" }] });
    resetProviderContext();
    const o2 = { ...olds, name: "mine-only" };
    await expect(envGroup.update!(mine.body.id, o2, { ...o2, envVars: { A: "2" } })).resolves.toBeDefined();
  });

  test("ids are compared normalized: AlphaStack's engine in upper case is refused", async () => {
    resetProviderContext();
    const act = () => envVars.create({ serviceId: ENGINE.toUpperCase(), values: { X: "1" }, unmanagedKeys: [] });
    await expect(act()).rejects.toThrow(ProtectedResourceError);
    expect(await writesDuring(act)).toEqual([]);
  });

  test("db:backup's client carries the write guard: an export of AlphaStack's database is refused", async () => {
    resetProviderContext();
    const client = await clientFromEnv(() => {}, []);
    const act = () => client.postgres.startExport(DB);
    await expect(act()).rejects.toThrow(ProtectedResourceError);
    expect(await writesDuring(act)).toEqual([]);
    const upper = () => client.postgres.startExport(DB.toUpperCase());
    await expect(upper()).rejects.toThrow(ProtectedResourceError);
  });
});
