import net from "node:net";
import { SEED } from "../../../sim/seed";
import { imageWebService, withSim, type Answer } from "./helpers";

/**
 * Server-side enforcement of protected environments, as Render does it: AlphaStack's production environment is
 * protected, and only workspace Admins may change what is in it. These tests talk raw HTTP to the real simulator:
 * no provider, no write guard, no policy pack sits in between, so the refusal comes from the server alone.
 */
describe("protected environments and workspace roles (server side)", () => {
  let h: Awaited<ReturnType<typeof withSim>>;
  beforeAll(async () => {
    h = await withSim({ realDatabases: false });
  });
  afterAll(() => h.done());

  const as = (key: string) => ({
    call: (method: string, path: string, body?: unknown) => h.api.call(method, path, body, { key }),
  });

  /** Every change a client could make to AlphaStack's resources, each in the protected environment. */
  const WRITES: Array<[string, string, unknown?]> = [
    ["PATCH", `/services/${SEED.engine}`, { name: "hijacked" }],
    ["POST", `/services/${SEED.engine}/suspend`],
    ["POST", `/services/${SEED.engine}/restart`],
    ["POST", `/services/${SEED.engine}/deploys`, {}],
    ["POST", `/services/${SEED.engine}/scale`, { numInstances: 0 }],
    ["PUT", `/services/${SEED.engine}/env-vars`, [{ key: "X", value: "1" }]],
    ["PUT", `/services/${SEED.engine}/env-vars/LOG_LEVEL`, { value: "debug" }],
    ["DELETE", `/services/${SEED.worker}`],
    ["PUT", `/env-groups/${SEED.envGroup}/env-vars/LOG_LEVEL`, { value: "debug" }],
    ["DELETE", `/env-groups/${SEED.envGroup}/env-vars/LOG_LEVEL`],
    ["PATCH", `/env-groups/${SEED.envGroup}`, { name: "renamed" }],
    ["DELETE", `/env-groups/${SEED.envGroup}`],
    ["PATCH", `/postgres/${SEED.postgres}`, { plan: "basic_256mb" }],
    ["POST", `/postgres/${SEED.postgres}/suspend`],
    ["DELETE", `/postgres/${SEED.postgres}`],
    ["PATCH", `/environments/${SEED.environment}`, { protectedStatus: "unprotected" }],
    ["DELETE", `/environments/${SEED.environment}/resources?resourceIds=${SEED.engine}`],
    ["DELETE", `/projects/${SEED.project}`],
  ];

  async function alphaStackState() {
    const engine = (await h.api.get(`/services/${SEED.engine}`)).body;
    const group = (await h.api.get(`/env-groups/${SEED.envGroup}`)).body;
    const pg = (await h.api.get(`/postgres/${SEED.postgres}`)).body;
    const env = (await h.api.get(`/environments/${SEED.environment}`)).body;
    const deploys = (await h.api.get(`/services/${SEED.engine}/deploys`)).body.length;
    const vars = (await h.api.get(`/services/${SEED.engine}/env-vars`)).body;
    return { engine, group, pg, env, deploys, vars };
  }

  it("refuses every change to AlphaStack made with a non-Admin key (CI, edge, guardian), with Render's 403, and changes nothing", async () => {
    const before = await alphaStackState();
    expect(before.env.protectedStatus).toBe("protected");
    for (const [name, key] of [
      ["ci-production", h.sim.keys["ci-production"]],
      ["edge", h.sim.keys.edge],
      ["guardian", h.sim.keys.guardian],
    ] as const) {
      for (const [method, path, body] of WRITES) {
        const r = await as(key).call(method, path, body);
        expect({ name, method, path, status: r.status }).toEqual({ name, method, path, status: 403 });
        expect(Object.keys(r.body)).toEqual(["message"]);
        expect(r.headers.get("content-type")).toMatch(/^application\/json/);
        // The refusal names what was refused and why, and never echoes the key.
        expect(r.body.message).toMatch(name === "guardian" ? /WORKSPACE_VIEWER/ : /protected environment evm-alphastackprod000000/);
        expect(r.text).not.toContain(key);
      }
    }
    expect(await alphaStackState()).toEqual(before);
  });

  it("refuses moving our resources into the protected environment and linking AlphaStack's services to our env group", async () => {
    const ci = as(h.sim.keys["ci-production"]);
    const svc = await ci.call("POST", "/services", {
      ...imageWebService("ci-own-app"),
      ownerId: SEED.productionOwner,
      image: { ownerId: SEED.productionOwner, imagePath: "docker.io/acme/web:1.0.0" },
    });
    expect(svc.status).toBe(201);
    const id = svc.body.service.id as string;
    const move = await ci.call("POST", `/environments/${SEED.environment}/resources`, { resourceIds: [id] });
    expect(move.status).toBe(403);
    const group = await ci.call("POST", "/env-groups", {
      name: "ours",
      ownerId: SEED.productionOwner,
      envVars: [{ key: "A", value: "1" }],
      serviceIds: [SEED.engine],
    });
    expect(group.status).toBe(403);
    const intoEnv = await ci.call("POST", "/env-groups", {
      name: "ours",
      ownerId: SEED.productionOwner,
      envVars: [{ key: "A", value: "1" }],
      environmentId: SEED.environment,
    });
    expect(intoEnv.status).toBe(403);
    expect((await h.api.get(`/environments/${SEED.environment}`)).body.serviceIds).not.toContain(id);
  });

  it("lets a Developer key change its own resources outside the protected environment (CI and edge keep working)", async () => {
    for (const key of [h.sim.keys["ci-production"], h.sim.keys.edge]) {
      const api = as(key);
      const svc = await api.call("POST", "/services", {
        ...imageWebService(`own-${key.slice(-6)}`),
        ownerId: SEED.productionOwner,
        image: { ownerId: SEED.productionOwner, imagePath: "docker.io/acme/web:1.0.0" },
      });
      expect(svc.status).toBe(201);
      const id = svc.body.service.id as string;
      expect((await api.call("PUT", `/services/${id}/env-vars/EDGE_ACTIVE`, { value: "{}" })).status).toBe(200);
      expect((await api.call("PATCH", `/services/${id}`, { name: `renamed-${key.slice(-6)}` })).status).toBe(200);
      expect((await api.call("DELETE", `/services/${id}`)).status).toBe(204);
    }
    // The staging CI user is no member of AlphaStack's workspace: a write there is answered like an unknown id.
    const staging = await as(h.sim.keys["ci-staging"]).call("POST", `/services/${SEED.engine}/suspend`);
    expect(staging.status).toBe(404);
    // A Viewer changes nothing anywhere, protected or not.
    const viewer = await as(h.sim.keys.guardian).call("POST", "/services", imageWebService("viewer-app"));
    expect(viewer.status).toBe(403);
    expect(viewer.body.message).toMatch(/WORKSPACE_VIEWER/);
  });

  it("lets an Admin key (AlphaStack's admin, the operator's default key) change the protected environment", async () => {
    const admin = as(h.sim.keys["alphastack-admin"]);
    const put = await admin.call("PUT", `/env-groups/${SEED.envGroup}/env-vars/LOG_LEVEL`, { value: "warn" });
    expect(put.status).toBe(200);
    expect((await admin.call("POST", `/services/${SEED.engine}/suspend`)).status).toBeLessThan(300);
    expect((await h.api.get(`/services/${SEED.engine}`)).body.suspended).toBe("suspended");
    expect((await h.api.post(`/services/${SEED.engine}/resume`)).status).toBeLessThan(300);
    expect((await h.api.put(`/env-groups/${SEED.envGroup}/env-vars/LOG_LEVEL`, { value: "info" })).status).toBe(200);
  });

  it("allows reads of AlphaStack to every key", async () => {
    for (const key of Object.values(h.sim.keys)) {
      for (const path of [
        `/services/${SEED.engine}`,
        `/services/${SEED.engine}/deploys`,
        `/env-groups/${SEED.envGroup}`,
        `/postgres/${SEED.postgres}`,
        `/environments/${SEED.environment}`,
        "/services?limit=5",
        "/owners",
      ]) {
        const r = await as(key).call("GET", path);
        expect({ path, status: r.status }).toEqual({ path, status: 200 });
      }
    }
  });

  it("models Render's users and roles: GET /users is the key's user, members list the roles, only Admins change roles", async () => {
    expect((await as(h.sim.keys["ci-production"]).call("GET", "/users")).body).toEqual({
      email: "ci-production@stackguard.example",
      name: "stackguard CI (production)",
    });
    expect((await h.api.get("/users")).body).toEqual({ email: "operator@stackguard.example", name: "stackguard simulator" });
    const members = (await h.api.get(`/owners/${SEED.productionOwner}/members`)).body as Array<{ userId: string; role: string }>;
    const roles = Object.fromEntries(members.map((m) => [m.userId, m.role]));
    expect(roles).toMatchObject({
      "usr-stackguardoperator00": "ADMIN",
      "usr-alphastackadmin00000": "ADMIN",
      "usr-stackguardciprod0000": "DEVELOPER",
      "usr-stackguardedge000000": "DEVELOPER",
      "usr-stackguardguardian00": "WORKSPACE_VIEWER",
    });
    const promote = await as(h.sim.keys["ci-production"]).call("PATCH", `/owners/${SEED.productionOwner}/members/usr-stackguardciprod0000`, { role: "ADMIN" });
    expect(promote.status).toBe(403);
    const bad = await h.api.patch(`/owners/${SEED.productionOwner}/members/usr-stackguardciprod0000`, { role: "OWNER" });
    expect(bad.status).toBe(400);
    expect(roles["usr-stackguardciprod0000"]).toBe("DEVELOPER");
    // The staging workspace's only Admin is the operator: it cannot be demoted or removed (Render's 409).
    expect((await h.api.patch(`/owners/${SEED.stagingOwner}/members/usr-stackguardoperator00`, { role: "DEVELOPER" })).status).toBe(409);
    expect((await h.api.del(`/owners/${SEED.stagingOwner}/members/usr-stackguardoperator00`)).status).toBe(409);
  });

  it("never answers 5xx to malformed credentials or hostile bodies on protected resources", async () => {
    const port = Number(new URL(h.sim.url).port);
    const rawAuth = [
      "",
      "Bearer",
      "Bearer ",
      "Bearer \t ",
      "Basic dXNlcjpwYXNz",
      `Bearer ${"x".repeat(16_000)}`,
      "Bearer \u00ff\u00fe",
      "bearer a b c",
      `Bearer ${h.sim.keys.edge}x`,
      `Bearer  ${h.sim.keys.edge.slice(0, -1)}`,
      "Bearer %00",
      "Bearer null",
    ];
    for (const auth of rawAuth) {
      const status = await rawRequest(
        port,
        `POST /v1/services/${SEED.engine}/suspend HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      expect({ auth: auth.slice(0, 20), status }).toEqual({ auth: auth.slice(0, 20), status: 401 });
    }
    // Two Authorization headers, a header with raw bytes: still an answer, never a crash.
    expect(
      await rawRequest(
        port,
        `GET /v1/services HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nAuthorization: Bearer ${h.sim.keys.edge}\r\nConnection: close\r\n\r\n`,
      ),
    ).toBeLessThan(500);
    const ci = as(h.sim.keys["ci-production"]);
    const hostile: Array<[string, string, unknown]> = [
      ["POST", `/environments/${SEED.environment}/resources`, { resourceIds: [1, null, {}, [SEED.engine]] }],
      ["POST", `/environments/${SEED.environment}/resources`, { resourceIds: "srv-alphastackengine0000" }],
      ["POST", "/env-groups", { name: "x", ownerId: { $ne: 1 }, envVars: [], serviceIds: [null] }],
      ["DELETE", `/environments/${SEED.environment}/resources?resourceIds=,,,%E0`, undefined],
      ["PATCH", `/environments/${SEED.environment}`, { protectedStatus: ["protected"] }],
      ["POST", "/projects", { name: "p", ownerId: SEED.productionOwner, environments: [null, 7, { name: "e", protectedStatus: "protected" }] }],
    ];
    for (const [method, path, body] of hostile) {
      const r: Answer = await ci.call(method, path, body);
      expect({ method, path, status: r.status < 500 }).toEqual({ method, path, status: true });
    }
    expect((await h.api.get(`/environments/${SEED.environment}`)).body.serviceIds).toContain(SEED.engine);
  });
});

/** Sends one raw HTTP/1.1 request (bytes fetch would refuse to send) and returns the status code. */
function rawRequest(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let data = "";
    socket.setTimeout(15_000, () => socket.destroy(new Error("raw request timed out")));
    socket.on("data", (c) => (data += c.toString("latin1")));
    socket.on("end", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
    socket.on("error", reject);
    socket.end(Buffer.from(request, "latin1"));
  });
}
