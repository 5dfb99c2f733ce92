import { resolve } from "node:path";
import { provider } from "../../../infra/providers/impl/log-stream";
import { resetProviderContext } from "../../../infra/providers/context";
import { eventually, STAGING, withSim } from "./helpers";

const FIXTURES = resolve(__dirname, "..", "..", "fixtures");
// Canaries built by concatenation so no committed line reads as a secret.
const CANARY = "canary-" + "log-secret-7f3a9c2e";
const STREAM_TOKEN = "collector-" + "token-0123456789";

/**
 * Logging without sensitive data: a `render:LogStream` (real provider code against the simulator's API) points the
 * staging workspace's logs at the embedded Render's syslog-over-TLS collector; a real app process (`stackguard/echo`,
 * which carelessly prints its API_TOKEN) runs on the data plane; what reaches the collector is its log, redacted.
 */
describe("log streams: the apps' logs reach the collector, canary secrets never do", () => {
  let h: Awaited<ReturnType<typeof withSim>>;
  const saved = { url: process.env.RENDER_API_URL, key: process.env.RENDER_API_KEY };

  beforeAll(async () => {
    h = await withSim({ appsRoot: FIXTURES });
    process.env.RENDER_API_URL = h.sim.apiUrl;
    process.env.RENDER_API_KEY = h.sim.apiKey;
    resetProviderContext();
  });
  afterAll(async () => {
    if (saved.url === undefined) delete process.env.RENDER_API_URL;
    else process.env.RENDER_API_URL = saved.url;
    if (saved.key === undefined) delete process.env.RENDER_API_KEY;
    else process.env.RENDER_API_KEY = saved.key;
    resetProviderContext();
    await h.done();
  });

  it("checks inputs: AlphaStack's workspace and an endpoint that is not host:port are refused naming the field", async () => {
    const bad = await provider.check!({}, { ownerId: "tea-alphastackprod000000", endpoint: "https://logs.example.com", token: STREAM_TOKEN });
    expect(bad.failures?.map((f) => f.property).sort()).toEqual(["endpoint", "ownerId"]);
  });

  it("streams a real app's log over syslog/TLS, redacted, with the service's id and name; drop overrides keep a service out", async () => {
    const created = await provider.create({ ownerId: STAGING, endpoint: h.sim.logCollector.endpoint, token: STREAM_TOKEN, preview: "drop" });
    expect(JSON.stringify(created.outs)).not.toContain(STREAM_TOKEN);
    expect((await h.api.get(`/logs/streams/owner/${STAGING}`)).body).toEqual({ endpoint: h.sim.logCollector.endpoint, ownerId: STAGING, preview: "drop" });

    const svc = await h.api.post("/services", {
      type: "web_service",
      name: "leaky-echo",
      ownerId: STAGING,
      autoDeploy: "no",
      image: { ownerId: STAGING, imagePath: "stackguard/echo:1" },
      serviceDetails: { runtime: "image", healthCheckPath: "/healthz" },
      envVars: [{ key: "API_TOKEN", value: CANARY }],
    });
    expect(svc.status).toBe(201);
    const id = svc.body.service.id as string;
    // A second service whose override drops its logs.
    const quiet = await h.api.post("/services", {
      type: "web_service",
      name: "quiet-echo",
      ownerId: STAGING,
      autoDeploy: "no",
      image: { ownerId: STAGING, imagePath: "stackguard/echo:1" },
      serviceDetails: { runtime: "image", healthCheckPath: "/healthz" },
      envVars: [{ key: "API_TOKEN", value: CANARY }],
    });
    const quietId = quiet.body.service.id as string;
    expect((await h.api.put(`/logs/streams/resource/${quietId}`, { setting: "drop" })).status).toBe(200);
    await eventually(async () => (await h.api.get(`/services/${quietId}/deploys/${quiet.body.deployId}`)).body.status === "live", 60_000, 50);

    const mine = () => h.sim.logCollector.messages().filter((m) => m.host === id);
    await eventually(async () => mine().some((m) => m.message.includes("echo: starting with API_TOKEN=")), 60_000, 50);
    await new Promise((r) => setTimeout(r, 300)); // a few forwarder polls: the override is in force from here on
    const all = h.sim.logCollector.messages();
    expect(mine()[0]).toMatchObject({ app: "leaky-echo" });
    expect(mine().find((m) => m.message.includes("API_TOKEN="))!.message).toContain("[REDACTED]");
    // The canary never reaches the collector, in any message, raw or parsed.
    for (const m of all) expect(m.raw).not.toContain(CANARY);
    // From the drop override on, nothing of the quiet service arrives: a new deploy (new process, new startup log)
    // goes live, the leaky one is redeployed after it, and once the leaky one's new lines are in, the quiet one has
    // sent nothing more.
    const quietBefore = all.filter((m) => m.host === quietId).length;
    const redeploy = async (sid: string) => {
      const d = await h.api.post(`/services/${sid}/deploys`, {});
      await eventually(async () => (await h.api.get(`/services/${sid}/deploys/${d.body.id}`)).body.status === "live", 60_000, 50);
    };
    await redeploy(quietId);
    const leakyBefore = mine().length;
    await redeploy(id);
    await eventually(async () => mine().length > leakyBefore + 2, 60_000, 50);
    expect(h.sim.logCollector.messages().filter((m) => m.host === quietId).length).toBe(quietBefore);
    // The stream's token travels with each message (the collector's authentication), never the app's secrets.
    expect(mine()[0]!.raw).toContain(`[render token="${STREAM_TOKEN}"]`);

    await provider.delete!(STAGING, created.outs);
    expect((await h.api.get(`/logs/streams/owner/${STAGING}`)).status).toBe(404);
  });
});
