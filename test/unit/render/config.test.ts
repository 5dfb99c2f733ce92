import { renderConfigFromEnv } from "../../../infra/render/config";

describe("renderConfigFromEnv", () => {
  it("requires RENDER_API_KEY and names it", () => {
    expect(() => renderConfigFromEnv({})).toThrow(/RENDER_API_KEY is required/);
    expect(() => renderConfigFromEnv({ RENDER_API_KEY: "  " })).toThrow(/RENDER_API_KEY is empty/);
  });
  it("defaults the URL and strips a trailing slash", () => {
    expect(renderConfigFromEnv({ RENDER_API_KEY: "k" }).apiUrl).toBe("https://api.render.com/v1");
    expect(renderConfigFromEnv({ RENDER_API_KEY: "k", RENDER_API_URL: "http://127.0.0.1:9/v1/" }).apiUrl).toBe("http://127.0.0.1:9/v1");
  });
  it("rejects a malformed URL without echoing the key", () => {
    try {
      renderConfigFromEnv({ RENDER_API_KEY: "canary-key-5511", RENDER_API_URL: "not a url" });
      throw new Error("expected a throw");
    } catch (e) {
      expect(String(e)).toMatch(/RENDER_API_URL must be an absolute/);
      expect(String(e)).not.toContain("canary-key-5511");
    }
  });
});
