/**
 * The embedded Render's Key Value API where no redis-server runs (records only): what it answers must still be what
 * Render answers (cassette-notes §3: the external endpoint is TLS on 6377, the internal one `redis://<id>:6379`; an
 * emptied allow list reads `null`), and the spec's enums hold (`maxmemoryPolicy` is spelled with `_`).
 */
import { client, STAGING, withSim } from "./helpers";

describe("Key Value records (no real server)", () => {
  let s: Awaited<ReturnType<typeof withSim>>;
  beforeAll(async () => {
    s = await withSim({ realDatabases: false });
  });
  afterAll(async () => {
    await s.done();
  });

  it("connection info has Render's shape and ports; an empty allow list reads null; the spec's enums are enforced", async () => {
    const api = client(s.sim);
    const created = await api.post("/key-value", {
      name: "records-edge-state",
      ownerId: STAGING,
      plan: "starter",
      maxmemoryPolicy: "noeviction",
      ipAllowList: [{ cidrBlock: "10.0.0.0/8", description: "vpn" }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "unknown", plan: "starter", options: { maxmemoryPolicy: "noeviction", persistenceMode: "aof" } });
    const id = created.body.id as string;

    const info = (await api.get(`/key-value/${id}/connection-info`)).body;
    expect(Object.keys(info).sort()).toEqual(["cliCommand", "externalConnectionString", "internalConnectionString"]);
    expect(info.internalConnectionString).toBe(`redis://${id}:6379`);
    expect(info.externalConnectionString).toMatch(new RegExp(`^rediss://${id}:[^@]+@oregon-keyvalue\\.render\\.com:6377$`));
    expect(info.cliCommand).toMatch(/ -h oregon-keyvalue\.render\.com -p 6377 --tls$/);
    expect((await api.get(`/redis/${id}/connection-info`)).body.redisCLICommand).toBe(info.cliCommand);

    const patched = await api.patch(`/key-value/${id}`, { ipAllowList: [], maxmemoryPolicy: "allkeys_lru" });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id, ipAllowList: null, options: { maxmemoryPolicy: "allkeys_lru" } });

    expect((await api.patch(`/key-value/${id}`, { maxmemoryPolicy: "allkeys-lru" })).status).toBe(400);
    expect((await api.post("/key-value", { name: "x", ownerId: STAGING, plan: "hobby" })).status).toBe(400);
    expect((await api.del(`/key-value/${id}`)).status).toBe(204);
    expect((await api.del(`/key-value/${id}`)).status).toBe(404);
  });
});
