import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { GuardianConfigError, loadGuardianConfig, secretsOf } from "../../../apps/guardian/config";
import { CANARY_RENDER_KEY, CANARY_WEBHOOK_PATH, TOKEN } from "./helpers";

const ok = { EDGE_URL: "http://127.0.0.1:1", EDGE_ADMIN_TOKEN: TOKEN };

describe("guardian configuration", () => {
  it("reads defaults and the optional parts", () => {
    const c = loadGuardianConfig({
      ...ok,
      RENDER_API_KEY: CANARY_RENDER_KEY,
      ALERT_WEBHOOK_URL: `https://hooks.example${CANARY_WEBHOOK_PATH}`,
      GUARDIAN_SERVICES: '{"api-blue":"srv-abc123"}',
    });
    expect(c).toMatchObject({
      intervalMs: 15_000,
      rulesRefreshMs: 30_000,
      renderIntervalMs: 60_000,
      render: { apiUrl: "https://api.render.com/v1" },
      services: { "api-blue": "srv-abc123" },
      alphaStackServiceId: "srv-alphastackengine0000",
    });
    expect(secretsOf(c)).toEqual(expect.arrayContaining([TOKEN, CANARY_RENDER_KEY, CANARY_WEBHOOK_PATH]));
  });

  it.each([
    [{ EDGE_ADMIN_TOKEN: TOKEN }, /EDGE_URL is required/],
    [{ ...ok, EDGE_URL: "edge:10000" }, /EDGE_URL must use http:\/\/ or https:\/\//],
    [{ ...ok, EDGE_URL: "edge" }, /EDGE_URL must be an absolute http\(s\) URL/],
    [{ ...ok, EDGE_ADMIN_TOKEN: "short" }, /EDGE_ADMIN_TOKEN must be at least 16 characters/],
    [{ ...ok, GUARDIAN_INTERVAL_MS: "fast" }, /GUARDIAN_INTERVAL_MS/],
    [{ ...ok, GUARDIAN_INTERVAL_MS: "10" }, /GUARDIAN_INTERVAL_MS must be at least 100 ms/],
    [{ ...ok, ALERT_WEBHOOK_URL: "not a url" }, /ALERT_WEBHOOK_URL must be an absolute http\(s\) URL/],
    [{ ...ok, RENDER_API_URL: "http://127.0.0.1:2/v1" }, /RENDER_API_URL is set without RENDER_API_KEY/],
    [{ ...ok, GUARDIAN_SERVICES: "{" }, /GUARDIAN_SERVICES must be JSON/],
    [{ ...ok, GUARDIAN_SERVICES: '{"api":"api"}' }, /GUARDIAN_SERVICES: api: must map a service name to its id/],
    [{ ...ok, EDGE_SERVICE_ID: "edge" }, /EDGE_SERVICE_ID must be a Render service id/],
  ])("rejects %j naming the variable", (env, msg) => {
    expect(() => loadGuardianConfig(env as NodeJS.ProcessEnv)).toThrow(GuardianConfigError);
    expect(() => loadGuardianConfig(env as NodeJS.ProcessEnv)).toThrow(msg);
  });

  it("the process refuses to start on bad input, without echoing a secret", () => {
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.resolve(__dirname, "../../../apps/guardian/index.ts")], {
      env: { PATH: process.env.PATH, EDGE_ADMIN_TOKEN: "canary-short", RENDER_API_KEY: CANARY_RENDER_KEY },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/guardian: invalid configuration: .*EDGE_URL is required.*EDGE_ADMIN_TOKEN must be at least 16 characters/);
    expect(r.stderr).not.toContain("canary-short");
    expect(r.stderr).not.toContain(CANARY_RENDER_KEY);
  });
});
