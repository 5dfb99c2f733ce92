/**
 * STACKGUARD_RENDER_ACCESS in the wrapper's env (tools/scripts/lib/pulumi-env.js): `read` (PR previews) needs a key,
 * `none` drops one, anything else is refused with the accepted values.
 */
const { pulumiEnv } = require("../../../tools/scripts/lib/pulumi-env");

const CANARY = "rnd_CANARY_readonly_key_0123456789";

function withEnv(vars: Record<string, string | undefined>, fn: () => unknown): unknown {
  const saved = { ...process.env };
  const keys = [
    "RENDER_API_URL",
    "RENDER_API_KEY",
    "STACKGUARD_RENDER_ACCESS",
    "PULUMI_BACKEND_URL",
    "PULUMI_CONFIG_PASSPHRASE",
    "STACKGUARD_EMBEDDED_EDGE_API_KEY",
    "STACKGUARD_EMBEDDED_GUARDIAN_API_KEY",
  ];
  for (const k of keys) delete process.env[k];
  Object.assign(process.env, Object.fromEntries(Object.entries(vars).filter(([, v]) => v !== undefined)));
  try {
    return fn();
  } finally {
    for (const k of keys) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

const real = { RENDER_API_URL: "https://api.render.com/v1", PULUMI_BACKEND_URL: "s3://bucket", PULUMI_CONFIG_PASSPHRASE: "x" };
const build = () => pulumiEnv({ toolchain: { kind: "official", binDir: "/nonexistent" } });

describe("pulumi-env STACKGUARD_RENDER_ACCESS", () => {
  it("read: passes the read-only key through", () => {
    const env = withEnv({ ...real, STACKGUARD_RENDER_ACCESS: "read", RENDER_API_KEY: CANARY }, build) as Record<string, string>;
    expect(env.RENDER_API_KEY).toBe(CANARY);
  });

  it("read: without a key, names the variable and the secret to set (a preview reads AlphaStack from Render)", () => {
    expect(() => withEnv({ ...real, STACKGUARD_RENDER_ACCESS: "read" }, build)).toThrow(
      /STACKGUARD_RENDER_ACCESS=read but RENDER_API_KEY is not set: .*Viewer.*RENDER_READONLY_API_KEY/,
    );
  });

  it("none: drops a key that leaked in", () => {
    const env = withEnv({ ...real, STACKGUARD_RENDER_ACCESS: "none", RENDER_API_KEY: CANARY }, build) as Record<string, string>;
    expect("RENDER_API_KEY" in env).toBe(false);
  });

  it("refuses an unknown mode, naming the accepted ones and never the key", () => {
    let msg = "";
    try {
      withEnv({ ...real, STACKGUARD_RENDER_ACCESS: "readonly", RENDER_API_KEY: CANARY }, build);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/STACKGUARD_RENDER_ACCESS is 'readonly': use 'none' .*'read'/);
    expect(msg).not.toContain(CANARY);
  });
});

describe("pulumi-env: the guardian's key on the embedded Render, and none for the edge", () => {
  const EDGE = "rnd_CANARY_edge_developer_key";
  const GUARDIAN = "rnd_CANARY_guardian_viewer_key";
  const embedded = (render: object) => () => pulumiEnv({ toolchain: { kind: "official", binDir: "/nonexistent" }, render });

  it("passes the guardian's seeded key next to the operator's, never the edge's (it holds no Render key)", () => {
    const env = withEnv(
      { STACKGUARD_EMBEDDED_EDGE_API_KEY: EDGE },
      embedded({ apiUrl: "http://127.0.0.1:1/v1", apiKey: "rnd_operator", keys: { edge: EDGE, guardian: GUARDIAN } }),
    ) as Record<string, string>;
    expect(env.RENDER_API_KEY).toBe("rnd_operator");
    expect(env.STACKGUARD_EMBEDDED_GUARDIAN_API_KEY).toBe(GUARDIAN);
    expect(Object.values(env)).not.toContain(EDGE);
  });

  it("without them passes none, even one left in the shell, and never against real Render", () => {
    const leaked = { STACKGUARD_EMBEDDED_GUARDIAN_API_KEY: GUARDIAN };
    const noKeys = withEnv(leaked, embedded({ apiUrl: "http://127.0.0.1:1/v1", apiKey: "rnd_operator" })) as Record<string, string>;
    expect("STACKGUARD_EMBEDDED_GUARDIAN_API_KEY" in noKeys).toBe(false);
    const realEnv = withEnv({ ...real, ...leaked, RENDER_API_KEY: CANARY }, build) as Record<string, string>;
    expect("STACKGUARD_EMBEDDED_GUARDIAN_API_KEY" in realEnv).toBe(false);
  });
});
