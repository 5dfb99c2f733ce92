import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { eventually, STAGING, tempState, withSim } from "./helpers";

/**
 * Render applies env changes on the next deploy, never to running instances: writing a service's env vars or secret
 * files, an env group's values, or linking a group stores the change and leaves the live deploy (and its processes)
 * as they were; the Terraform provider's recording shows users deploying explicitly after such writes (PUT env-vars,
 * PUT secret-files, then POST deploys). A deploy runs with the env of the moment it started, also across restarts.
 *
 * The service runs `test/fixtures/apps/echo` (`stackguard/echo`), which reports its environment on `GET /env`.
 */
const FIXTURES = resolve(__dirname, "..", "..", "fixtures");

describe("env var writes do not redeploy; the next deploy applies them", () => {
  const stateDir = tempState();
  let h: Awaited<ReturnType<typeof withSim>>;
  let id = "";
  let url = "";

  const deploys = async () => ((await h.api.get(`/services/${id}/deploys`)).body as Array<{ deploy: { id: string; status: string } }>).map((d) => d.deploy);
  const running = async () =>
    (await (await fetch(`${url}/env`, { signal: AbortSignal.timeout(5_000) })).json()) as {
      env: Record<string, string>;
      keys: string[];
      apiTokenSha256: string | null;
    };
  const pid = async () => (await (await fetch(`${url}/version`, { signal: AbortSignal.timeout(5_000) })).json()) as { pid: number; deployId: string };
  const deployAndWait = async () => {
    const d = await h.api.post(`/services/${id}/deploys`, {});
    expect(d.status).toBe(201);
    await eventually(async () => (await h.api.get(`/services/${id}/deploys/${d.body.id}`)).body.status === "live", 60_000, 50);
    return d.body.id as string;
  };

  beforeAll(async () => {
    h = await withSim({ stateDir, appsRoot: FIXTURES });
    const created = await h.api.post("/services", {
      type: "web_service",
      name: "env-echo",
      ownerId: STAGING,
      autoDeploy: "no",
      image: { ownerId: STAGING, imagePath: "stackguard/echo:1" },
      serviceDetails: { runtime: "image", healthCheckPath: "/healthz" },
      envVars: [{ key: "GREETING", value: "hello" }],
    });
    expect(created.status).toBe(201);
    id = created.body.service.id;
    await eventually(async () => (await h.api.get(`/services/${id}/deploys/${created.body.deployId}`)).body.status === "live", 60_000, 50);
    url = (await h.api.get(`/services/${id}`)).body.serviceDetails.url;
  });
  afterAll(() => h.done());

  it("service env vars, secret files, env group values and links are stored, not applied", async () => {
    expect((await running()).env.GREETING).toBe("hello");
    const before = { deploys: await deploys(), version: await pid() };
    expect(before.deploys).toHaveLength(1);

    expect((await h.api.put(`/services/${id}/env-vars`, [{ key: "GREETING", value: "bonjour-sg-canary-4b1d" }])).status).toBe(200);
    expect((await h.api.put(`/services/${id}/env-vars/API_TOKEN`, { value: "canary-token-5c1d" })).status).toBe(200);
    expect((await h.api.put(`/services/${id}/secret-files/creds.txt`, { content: "creds" })).status).toBe(201);
    const group = await h.api.post("/env-groups", { name: "env-echo-shared", ownerId: STAGING, envVars: [{ key: "LINKED", value: "1" }] });
    expect((await h.api.post(`/env-groups/${group.body.id}/services/${id}`)).status).toBe(200);
    expect((await h.api.put(`/env-groups/${group.body.id}/env-vars/LINKED`, { value: "2" })).status).toBe(200);

    // Long enough for a deploy and a restart at timeScale 0.01 (an update phase is 0.2 s).
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await deploys()).toEqual(before.deploys);
    expect(await pid()).toEqual(before.version);
    const now = await running();
    expect(now.env.GREETING).toBe("hello");
    expect(now.keys).not.toContain("LINKED");
    expect(now.apiTokenSha256).toBeNull();
    // Render's API shows the stored values at once.
    expect((await h.api.get(`/services/${id}/env-vars/GREETING`)).body).toEqual({ key: "GREETING", value: "bonjour-sg-canary-4b1d" });

    // The next deploy applies all of it.
    const deployId = await deployAndWait();
    await eventually(async () => (await pid()).deployId === deployId, 10_000, 50);
    const after = await running();
    expect(after.env.GREETING).toBe("bonjour-sg-canary-4b1d");
    expect(after.keys).toEqual(expect.arrayContaining(["LINKED", "API_TOKEN"]));
    expect(after.apiTokenSha256).not.toBeNull();
  });

  it("a deleted env var stays until the next deploy, and a restarted simulator runs the live deploy's env", async () => {
    expect((await h.api.del(`/services/${id}/env-vars/API_TOKEN`)).status).toBe(204);
    expect((await h.api.put(`/services/${id}/env-vars/GREETING`, { value: "hola-sg-canary-8e2f" })).status).toBe(200);
    await h.done(true);
    h = await withSim({ stateDir, appsRoot: FIXTURES });
    url = (await h.api.get(`/services/${id}`)).body.serviceDetails.url;
    const env = await eventually(async () => running().catch(() => undefined), 60_000, 100);
    expect(env.env.GREETING).toBe("bonjour-sg-canary-4b1d");
    expect(env.keys).toContain("API_TOKEN");
    await deployAndWait();
    await eventually(async () => (await running()).env.GREETING === "hola-sg-canary-8e2f", 10_000, 50);
    expect((await running()).keys).not.toContain("API_TOKEN");
  });

  it("keeps a deploy's captured env encrypted at rest", async () => {
    await h.done(true);
    const files = readdirSync(stateDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && !e.name.endsWith(".log"));
    expect(files.map((f) => f.name)).toContain("sim.db");
    for (const f of files) {
      // Secret files written for running instances are the data plane's (removed with them); the store must not hold values.
      if ((f.parentPath ?? (f as any).path).includes(join("dataplane", "secrets"))) continue;
      const text = readFileSync(join(f.parentPath ?? (f as any).path, f.name));
      expect([f.name, text.includes("bonjour-sg-canary-4b1d"), text.includes("hola-sg-canary-8e2f")]).toEqual([f.name, false, false]);
    }
    h = await withSim({ stateDir, appsRoot: FIXTURES });
  });
});
