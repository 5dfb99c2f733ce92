import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "yaml";
import { parseStackConfig } from "../../../infra/config/load";

/**
 * The program's guardian wiring, run by the Pulumi SDK with mocks (no engine): what resources and inputs
 * `buildPlatform` declares. The real engine runs the whole program in test/integration.
 */
describe("program: guardian, alert rules and flags", () => {
  const created: Array<{ type: string; name: string; inputs: Record<string, unknown> }> = [];
  beforeAll(() => {
    pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          created.push({ type: args.type, name: args.name, inputs: args.inputs });
          return {
            id: `${args.name}-id`,
            state: {
              ...args.inputs,
              url: args.name === "edge" ? "http://127.0.0.1:1" : undefined,
              slug: args.name,
              result: "mock-token-0123456789abcdef",
              connectionInfo: { internalConnectionString: "postgres://mock" },
            },
          };
        },
        call: (args) => args.inputs,
      },
      "stackguard",
      "staging",
      false,
    );
  });

  it("declares the guardian worker with its secret env, and always the default rules and two flags, the token a secret input", async () => {
    const saved = process.env.EDGE_ADMIN_TOKEN;
    delete process.env.EDGE_ADMIN_TOKEN; // nothing from the environment: every `up` declares them
    try {
      const doc = yaml.parse(fs.readFileSync("Pulumi.staging.yaml", "utf8")).config as Record<string, unknown>;
      const raw = Object.fromEntries(Object.entries(doc).map(([k, v]) => [k.replace(/^stackguard:/, ""), v]));
      const { buildPlatform, GUARDIAN_IMAGE } = await import("../../../stacks/platform");
      const p = buildPlatform(parseStackConfig("staging", raw), {}, { embedded: false, renderApiUrl: "https://api.render.com/v1" });
      await new Promise<void>((r) => p.edgeUrl.apply(() => r()));
      await new Promise((r) => setTimeout(r, 500));
      const guardian = created.find((c) => c.name === "guardian" && c.type.endsWith("render:Service"))!;
      // A web service, so Render's metrics stream can push to it (issue 17); one instance.
      expect(guardian.inputs).toMatchObject({ type: "web_service", image: GUARDIAN_IMAGE, numInstances: 1, healthCheckPath: "/healthz" });
      const env = created.find((c) => c.name === "guardian-env")!;
      // The whole map is serialized as one Pulumi secret (its values are secrets).
      const secret = env.inputs.values as Record<string, unknown>;
      expect(secret["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
      const values = secret.value as Record<string, unknown>;
      expect(Object.keys(values)).toEqual(
        expect.arrayContaining(["EDGE_ADMIN_TOKEN", "EDGE_SERVICE_ID", "EDGE_URL", "GUARDIAN_SERVICES", "STACKGUARD_ENVIRONMENT", "GUARDIAN_OTLP_TOKEN"]),
      );
      // No Render key in the guardian: resource metrics are pushed to it by the workspace's metrics stream.
      expect(Object.keys(values).filter((k) => k.startsWith("RENDER_"))).toEqual([]);
      const stream = created.find((c) => c.type.endsWith("render:MetricStream"))!;
      expect(stream.inputs).toMatchObject({ ownerId: "tea-stackguardstaging000", provider: "CUSTOM" });
      expect(JSON.parse(values.GUARDIAN_SERVICES as string)).toMatchObject({
        "api-blue": "api-blue-id",
        "api-green": "api-green-id",
        "edge-staging": "edge-id",
      });
      const rules = created.filter((c) => c.type.endsWith("stackguard:AlertRule"));
      expect(rules.length).toBe(31);
      expect(rules.map((r) => r.name)).toEqual(expect.arrayContaining(["alert-alphastack-engine-status", "alert-api-error-rate", "alert-edge-staging-cpu"]));
      const flags = created.filter((c) => c.type.endsWith("stackguard:FeatureFlag"));
      expect(flags.map((c) => c.inputs.key).sort()).toEqual(["new-order-form", "trading-enabled"]);
      // The edge admin token reaches both providers as a Pulumi secret (the RandomPassword's result), never in plain.
      const secretSig = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "mock-token-0123456789abcdef" };
      for (const r of [...rules, ...flags]) expect(r.inputs.adminToken).toEqual(secretSig);
    } finally {
      if (saved !== undefined) process.env.EDGE_ADMIN_TOKEN = saved;
    }
  });
});
