import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup, dataPlane, http, json, spec, tempState } from "./helpers";

/** A simulator restart: the same state directory gives every service its port (and faults) back. */
describe("data plane: restart", () => {
  let dir: string;
  beforeEach(() => (dir = tempState()));
  afterEach(() => cleanup(dir));

  it("reuses each service's port and the router's port, and keeps faults", async () => {
    const a = spec({ customDomains: ["api.example.com"] });
    const b = spec({ type: "private_service", healthCheckPath: "" });
    const first = dataPlane(dir);
    const urlA = (await first.apply(a)).url;
    const urlB = (await first.apply(b)).url;
    const router = first.routerUrl();
    first.setFaults(a.id, { latencyMs: 10, failNextDeploy: true });
    await first.stop();
    expect(JSON.parse(readFileSync(join(dir, "dataplane.json"), "utf8")).ports).toEqual({
      [a.id]: Number(new URL(urlA!).port),
      [b.id]: Number(new URL(urlB!).port),
    });

    const second = dataPlane(dir);
    try {
      // Known before the control plane re-applies the service, so Render's `url` field stays the same.
      expect(second.url(a.id)).toBe(urlA);
      expect((await second.apply(a)).url).toBe(urlA);
      expect((await second.apply(b)).url).toBe(urlB);
      expect(second.routerUrl()).toBe(router);
      expect(second.getFaults(a.id)).toEqual({ latencyMs: 10, failNextDeploy: true });
      expect(json(await http(`${urlA}/version`)).serviceId).toBe(a.id);
    } finally {
      await second.stop();
    }
  });

  it("removes secret files a crashed simulator left behind", async () => {
    mkdirSync(join(dir, "secrets", "srv-stale000000000000000", "dep-x"), { recursive: true });
    writeFileSync(join(dir, "secrets", "srv-stale000000000000000", "dep-x", "key.pem"), "stale-secret");
    const dp = dataPlane(dir);
    await dp.stop();
    expect(existsSync(join(dir, "secrets"))).toBe(false);
  });

  it("gives a service a new port when its old one was taken meanwhile", async () => {
    const a = spec();
    const first = dataPlane(dir);
    const urlA = (await first.apply(a)).url!;
    await first.stop();
    const squatter = require("node:http")
      .createServer()
      .listen(Number(new URL(urlA).port), "127.0.0.1");
    await new Promise((r) => squatter.once("listening", r));
    const second = dataPlane(dir);
    try {
      const again = (await second.apply(a)).url!;
      expect(again).not.toBe(urlA);
      expect((await http(`${again}/healthz`)).status).toBe(200);
      expect(second.url(a.id)).toBe(again);
    } finally {
      await second.stop();
      await new Promise((r) => squatter.close(r));
    }
  });
});
