import { provider } from "../../../infra/providers/impl/metric-stream";
import { resetProviderContext } from "../../../infra/providers/context";
import { client, STAGING, withSim } from "../sim/helpers";

/** `render:MetricStream` against the simulator's real API (no mocks): upsert, read, token kept out of state, delete. */
describe("MetricStream provider", () => {
  let h: Awaited<ReturnType<typeof withSim>>;
  const saved = { url: process.env.RENDER_API_URL, key: process.env.RENDER_API_KEY };
  const TOKEN = "canary-stream-" + "token-0123456789";

  beforeAll(async () => {
    h = await withSim({ timeScale: 0.01 });
    process.env.RENDER_API_URL = h.sim.apiUrl;
    process.env.RENDER_API_KEY = h.sim.apiKey;
    resetProviderContext();
  });
  afterAll(async () => {
    process.env.RENDER_API_URL = saved.url;
    process.env.RENDER_API_KEY = saved.key;
    if (saved.url === undefined) delete process.env.RENDER_API_URL;
    if (saved.key === undefined) delete process.env.RENDER_API_KEY;
    resetProviderContext();
    await h.done();
  });

  it("checks inputs: AlphaStack's workspace, short tokens and bad URLs are refused naming the field", async () => {
    const bad = await provider.check!({}, { ownerId: "tea-alphastackprod000000", url: "https://x.example", token: TOKEN });
    expect(bad.failures?.map((f) => f.property)).toContain("ownerId");
    const short = await provider.check!({}, { ownerId: STAGING, url: "not a url", token: "short" });
    expect(short.failures?.map((f) => f.property).sort()).toEqual(["token", "url"]);
    const ok = await provider.check!({}, { ownerId: STAGING, url: "https://guardian.example", token: TOKEN });
    expect(ok.failures ?? []).toEqual([]);
    expect(ok.inputs.provider).toBe("CUSTOM");
  });

  it("creates, reads, updates on a token change, and deletes the workspace's stream; the token never reaches state", async () => {
    const inputs = { ownerId: STAGING, provider: "CUSTOM", url: "https://guardian.example", token: TOKEN };
    const created = await provider.create(inputs);
    expect(created.id).toBe(STAGING);
    expect(JSON.stringify(created.outs)).not.toContain(TOKEN);
    const api = client(h.sim);
    expect((await api.get(`/metrics-stream/${STAGING}`)).body).toEqual({ ownerId: STAGING, provider: "CUSTOM", url: "https://guardian.example" });
    const read = await provider.read!(STAGING, created.outs);
    expect(read.id).toBe(STAGING);
    expect((await provider.diff!(STAGING, created.outs, inputs)).changes).toBe(false);
    const rotated = await provider.diff!(STAGING, created.outs, { ...inputs, token: TOKEN + "-2" });
    expect(rotated).toMatchObject({ changes: true, replaces: [] });
    await provider.update!(STAGING, created.outs, { ...inputs, url: "https://guardian2.example" });
    expect((await api.get(`/metrics-stream/${STAGING}`)).body.url).toBe("https://guardian2.example");
    await provider.delete!(STAGING, created.outs);
    expect((await api.get(`/metrics-stream/${STAGING}`)).status).toBe(404);
    expect((await provider.read!(STAGING, created.outs)).id).toBe("");
    await provider.delete!(STAGING, created.outs); // already gone: fine
  });
});
