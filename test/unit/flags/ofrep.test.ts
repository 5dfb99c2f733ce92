import { evaluateBulk, evaluateSingle, FlagStore, ifNoneMatchHits, ofrepHandler } from "../../../infra/flags";
import { sampleSet } from "./fixtures";
import { listen, post } from "./server";

const at = "2026-11-26T12:00:00.000Z";

describe("OFREP mapping (pure)", () => {
  const store = new FlagStore({ flags: sampleSet() });

  it("single: 200 with key, value, reason, variant and only public metadata", () => {
    const r = evaluateSingle(store, "new-checkout", { context: { targetingKey: "u1", email: "x@alphaplatform.example" } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ key: "new-checkout", value: true, reason: "TARGETING_MATCH", variant: "on", metadata: { kind: "release" } });
  });

  it("single: 404 FLAG_NOT_FOUND, 400 INVALID_CONTEXT, and a disabled flag answers without a value", () => {
    expect(evaluateSingle(store, "ghost", {})).toMatchObject({ status: 404, body: { key: "ghost", errorCode: "FLAG_NOT_FOUND" } });
    expect(evaluateSingle(store, "new-checkout", { context: [1] })).toMatchObject({ status: 400, body: { errorCode: "INVALID_CONTEXT" } });
    expect(evaluateSingle(store, "new-checkout", { context: { targetingKey: 7 } })).toMatchObject({
      status: 400,
      body: { errorDetails: expect.stringMatching(/targetingKey/) },
    });
    const disabled = evaluateSingle(store, "quote-banner", {});
    expect(disabled.status).toBe(200);
    expect(disabled.body).toEqual({ key: "quote-banner", reason: "DISABLED", metadata: { kind: "experiment" } });
  });

  it("bulk: every flag, an ETag, and 304 for a matching If-None-Match (weak or listed)", () => {
    const first = evaluateBulk(store, { context: { targetingKey: "u1" } });
    expect(first.status).toBe(200);
    const keys = (first.body as { flags: Array<{ key: string }> }).flags.map((f) => f.key);
    expect(keys).toEqual(["new-checkout", "order-book-depth", "quote-banner", "trading-enabled", "ui-theme"]);
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^".+"$/);
    expect(evaluateBulk(store, { context: { targetingKey: "u1" } }, etag)).toEqual({ status: 304, headers: { etag } });
    expect(evaluateBulk(store, { context: { targetingKey: "u1" } }, `"other", W/${etag}`).status).toBe(304);
    expect(ifNoneMatchHits("*", etag)).toBe(true);
  });

  it("bulk: the ETag follows the context and the flags (a kill switch invalidates it)", () => {
    const s = new FlagStore({ flags: sampleSet() });
    const a = evaluateBulk(s, { context: { targetingKey: "u1", email: "a@alphaplatform.example" } }).headers.etag!;
    const b = evaluateBulk(s, { context: { targetingKey: "u1" } }).headers.etag!;
    expect(a).not.toBe(b);
    s.setOverride("trading-enabled", { state: "off", at });
    const after = evaluateBulk(s, { context: { targetingKey: "u1" } }, b);
    expect(after.status).toBe(200);
    expect((after.body as { flags: Array<{ key: string; value?: unknown }> }).flags.find((f) => f.key === "trading-enabled")!.value).toBe(false);
  });
});

describe("ofrepHandler over real HTTP", () => {
  const store = new FlagStore({ flags: sampleSet() });
  let srv: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    const ofrep = ofrepHandler(store, { allowOrigin: "https://alphaplatform.example", maxBodyBytes: 2048 });
    srv = await listen((req, res) => {
      if (ofrep(req, res)) return;
      res.writeHead(418).end("proxied");
    });
  });
  afterAll(() => srv.close());

  it("serves single and bulk evaluations, and 304 on the second bulk poll", async () => {
    const one = await post(`${srv.url}/ofrep/v1/evaluate/flags/trading-enabled`, { context: {} });
    expect(one).toMatchObject({ status: 200, body: { key: "trading-enabled", value: true } });
    expect(one.headers.get("access-control-allow-origin")).toBe("https://alphaplatform.example");
    const bulk = await post(`${srv.url}/ofrep/v1/evaluate/flags`, { context: { targetingKey: "u9" } });
    expect(bulk.status).toBe(200);
    const again = await fetch(`${srv.url}/ofrep/v1/evaluate/flags`, {
      method: "POST",
      headers: { "content-type": "application/json", "if-none-match": bulk.headers.get("etag")! },
      body: JSON.stringify({ context: { targetingKey: "u9" } }),
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  it("leaves other paths to the caller, answers CORS preflight, and refuses GET, bad JSON and oversized bodies", async () => {
    expect((await fetch(`${srv.url}/api/orders`)).status).toBe(418);
    const pre = await fetch(`${srv.url}/ofrep/v1/evaluate/flags`, { method: "OPTIONS" });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-headers")).toMatch(/if-none-match/);
    expect((await fetch(`${srv.url}/ofrep/v1/evaluate/flags`)).status).toBe(405);
    expect((await post(`${srv.url}/ofrep/v1/evaluate/flags/x`, "{nope")).status).toBe(400);
    expect((await post(`${srv.url}/ofrep/v1/evaluate/flags`, { context: { pad: "x".repeat(5000) } })).status).toBe(413);
    const conf = await fetch(`${srv.url}/ofrep/v1/configuration`);
    expect(await conf.json()).toMatchObject({ capabilities: { cacheInvalidation: { polling: { enabled: true } } } });
  });
});
