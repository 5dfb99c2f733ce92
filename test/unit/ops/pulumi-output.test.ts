import {
  PulumiOutputRedactor,
  redactPulumiOutput,
  secretEnvValues,
  secretsInConfig,
  secretsInStateExport,
  stackSecretsForRedaction,
} from "../../../infra/ops/pulumi-output";

// Built by concatenation so they never read as committed values.
const CANARY = ["sgcanary", "4f1d9a7c0e2b"].join("-");
const TOKEN = ["Zq8UNPLLSvcEWAHm4Vac", "anPwSrpRUdQPoHG13O3bcm"].join("");

/** The diagnostic `pulumi up --plan` printed on the simulator (values shortened), secrets in plain text. */
const VIOLATION =
  "    error: resource urn:pulumi:staging::stackguard::pulumi-nodejs:dynamic/render:EnvVars::edge-env violates plan: properties changed: " +
  `~=values[{&{{map[EDGE_ADMIN_TOKEN:{${TOKEN}} EDGE_ROUTES:{[{"app":"api","hosts":["api.example"]}]}]}}}!={&{{map[ALERT_WEBHOOK_URL:{https://hooks.example.invalid/${CANARY}} EDGE_ADMIN_TOKEN:{${TOKEN}}]}}}], =+verify[{true}]`;

describe("redaction of pulumi's output", () => {
  it("cuts the values out of a plan violation and keeps the property names, without knowing any secret", () => {
    const out = redactPulumiOutput(`${VIOLATION}\n`, []);
    expect(out).toBe(
      "    error: resource urn:pulumi:staging::stackguard::pulumi-nodejs:dynamic/render:EnvVars::edge-env violates plan: properties changed: ~=values[…], =+verify[…]\n",
    );
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain(CANARY);
  });

  it("a violation value spanning lines (a multi-line secret) is dropped up to its closing bracket", () => {
    const text = `x violates plan: properties changed: ~=files[{map[key.pem:{-----BEGIN\n${CANARY}\n-----END}]}], ++name[{a}]\nnext line\n`;
    const out = redactPulumiOutput(text, []);
    expect(out).not.toContain(CANARY);
    expect(out).toContain("~=files[…]");
    expect(out).toContain("++name[…]");
    expect(out).toContain("next line");
  });

  it("a config key (the provider's inputs are the stack config) keeps its name", () => {
    const out = redactPulumiOutput(
      `pulumi-nodejs::default violates plan: properties changed: ++stackguard:alertWebhookUrl[{&{{https://hooks.example.invalid/${CANARY}}}}!={&{{[secret]}}}]`,
      [],
    );
    expect(out).toBe("pulumi-nodejs::default violates plan: properties changed: ++stackguard:alertWebhookUrl[…]");
  });

  it("unbalanced text after a value hides the rest of the line", () => {
    const out = redactPulumiOutput(`violates plan: properties changed: ~=a[{x}] ${CANARY}`, []);
    expect(out).toBe("violates plan: properties changed: ~=a[…], …");
  });

  it("replaces literal secret values and credential shapes anywhere, across chunk boundaries", () => {
    const r = new PulumiOutputRedactor([CANARY]);
    const half = Math.floor(CANARY.length / 2);
    const printed = r.write(`webhook ${CANARY.slice(0, half)}`) + r.write(`${CANARY.slice(half)} set\npostgres://u:pw-${CANARY}@db/x`) + r.end();
    expect(printed).toBe("webhook [REDACTED] set\npostgres://u:[REDACTED]@db/x");
  });

  it("finds the secrets of the environment by name", () => {
    expect(
      secretEnvValues({ RENDER_API_KEY: "rnd_x-123456", EDGE_ADMIN_TOKEN: TOKEN, MY_SERVICE_TOKEN: CANARY, HOME: "/root", SHORT_TOKEN: "abc" }).sort(),
    ).toEqual([CANARY, "rnd_x-123456", TOKEN].sort());
  });

  it("finds the secrets of a state export and of the config", () => {
    const sig = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
    const state = {
      deployment: {
        resources: [
          {
            inputs: { values: { ...sig, plaintext: JSON.stringify({ EDGE_ADMIN_TOKEN: TOKEN, STACKGUARD_ENVIRONMENT: "staging" }) } },
            outputs: { name: "edge" },
          },
        ],
      },
    };
    expect(secretsInStateExport(state).sort()).toEqual(
      [JSON.stringify({ EDGE_ADMIN_TOKEN: TOKEN, STACKGUARD_ENVIRONMENT: "staging" }), TOKEN, "staging"].sort(),
    );
    const config = {
      "stackguard:alertWebhookUrl": { value: `https://hooks.example.invalid/${CANARY}`, secret: true },
      "stackguard:environment": { value: "staging", secret: false },
    };
    expect(secretsInConfig(config)).toEqual([`https://hooks.example.invalid/${CANARY}`]);
  });

  it("collects a stack's secrets through pulumi, leaving out values secret only by company (the stack name, numbers)", async () => {
    const sig = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
    const calls: string[][] = [];
    const values = await stackSecretsForRedaction(async (args) => {
      calls.push(args);
      if (args[0] === "config") return { code: 0, stdout: JSON.stringify({ "stackguard:edgeRenderApiKey": { value: CANARY, secret: true } }), stderr: "" };
      const plaintext = JSON.stringify({ EDGE_ADMIN_TOKEN: TOKEN, STACKGUARD_ENVIRONMENT: "production", EDGE_DRAIN_TIMEOUT_MS: "50000000" });
      return { code: 0, stdout: JSON.stringify({ deployment: { resources: [{ inputs: { values: { ...sig, plaintext } } }] } }), stderr: "" };
    }, "production");
    expect(values).toContain(CANARY);
    expect(values).toContain(TOKEN);
    expect(values).not.toContain("production");
    expect(values).not.toContain("50000000");
    expect(calls.map((c) => c.slice(0, 2).join(" ")).sort()).toEqual(["config --show-secrets", "stack export"]);
    // A stack that does not exist yet: nothing, no error.
    expect(await stackSecretsForRedaction(async () => ({ code: 255, stdout: "", stderr: "error: no stack named 'x'" }), "x")).toEqual([]);
  });
});
