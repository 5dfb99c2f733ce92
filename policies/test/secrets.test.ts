import { secretKeyReason, secretValueShape } from "../lib/secret-shapes";
import { secretsAreSecret, underSecret } from "../rules/secrets";
import { TYPES } from "../rules/types";
import { messages, res } from "./fixtures";

// Canary values: if any of them shows up in a message, the rule leaked a secret.
const PG = "postgres://app:CANARY-pg-pass@dpg-ourdb00000000000000-a/app";
// A canary, not a key: split so it never reads as a committed Render key.
const RENDER_KEY = "rnd_" + "CANARYcanaryCANARYcanary1234";

describe("secrets-are-secret", () => {
  const env = (values: Record<string, string>) =>
    res(TYPES.envVars, "api-env", { serviceId: "srv-ours0000000000000000", values, secretInputs: { values: true } });

  test("secret values marked secret are compliant", () => {
    expect(secretsAreSecret(env({ DATABASE_URL: PG, LOG_LEVEL: "info" }), { secretPaths: new Set(["values"]), allowPlaintext: [] })).toEqual({
      status: "compliant",
    });
  });

  test("a plain-text database URL is refused, naming the path and not the value", () => {
    const m = messages(secretsAreSecret(env({ DATABASE_URL: PG }), { secretPaths: new Set(), allowPlaintext: [] }));
    expect(m[0]).toBe(
      'render:EnvVars "api-env" must not take values.DATABASE_URL in plain text: it is a URL with a password (user:password@). Pass it as a Pulumi secret (pulumi.secret(...) or config.requireSecret(...)).',
    );
    expect(m.join()).not.toMatch(/CANARY/);
  });

  test("a Render API key under an innocent key name is refused by its shape", () => {
    const m = messages(secretsAreSecret(env({ X: RENDER_KEY }), { secretPaths: new Set(), allowPlaintext: [] }));
    expect(m[0]).toMatch(/values\.X in plain text: it is a Render API key/);
    expect(m.join()).not.toMatch(/CANARY/);
  });

  test("a password by its key name is refused", () => {
    const m = messages(secretsAreSecret(res(TYPES.postgres, "db", { name: "db", dbPassword: "hunter2" }), { secretPaths: new Set(), allowPlaintext: [] }));
    expect(m[0]).toMatch(/dbPassword in plain text: it is a credential by its key name "dbPassword"/);
  });

  test("a command embedding a token is refused unless the command is secret", () => {
    const cmd = res(TYPES.localCommand, "c", { create: `curl -H "Authorization: Bearer ${"CANARYtoken".repeat(3)}" https://x` });
    expect(messages(secretsAreSecret(cmd, { secretPaths: new Set(), allowPlaintext: [] }))[0]).toMatch(/create in plain text: it is a bearer token/);
    expect(secretsAreSecret(cmd, { secretPaths: new Set(["create"]), allowPlaintext: [] }).status).toBe("compliant");
  });

  test("the resource class's own marker catches plain text the class wrapped afterwards", () => {
    const r = res(TYPES.envVars, "api-env", { serviceId: "srv-x", values: { A: "b" }, secretInputs: { values: false } });
    expect(messages(secretsAreSecret(r, { secretPaths: new Set(["values"]), allowPlaintext: [] }))[0]).toMatch(
      /must receive values as a Pulumi secret, but it was given in plain text/,
    );
  });

  test("the marker of a field still unknown at preview is judged at update time, not now", () => {
    const r = res(TYPES.envGroup, "shared-env", {
      name: "g",
      envVars: { DATABASE_URL: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" },
      secretInputs: { envVars: false },
    });
    expect(secretsAreSecret(r, { secretPaths: new Set(["envVars"]), allowPlaintext: [] }).status).toBe("compliant");
  });

  test("without the remediation pass the rule says it cannot tell, loudly", () => {
    expect(messages(secretsAreSecret(env({ DATABASE_URL: PG }), { secretPaths: undefined, allowPlaintext: [] }))[0]).toMatch(
      /cannot tell whether values\.DATABASE_URL .* enforcementLevel "remediate"/,
    );
  });

  test("an allow-listed path is not treated as a secret", () => {
    const r = res(TYPES.service, "s", { name: "s", authToken: "not-a-secret-placeholder" });
    expect(secretsAreSecret(r, { secretPaths: new Set(), allowPlaintext: [`${TYPES.service}:authToken`] }).status).toBe("compliant");
  });

  test("references to secrets (names, paths, URLs of token endpoints) are not secrets", () => {
    for (const k of ["secretName", "tokenPath", "authUrl", "passwordPolicy", "apiKeyId", "tokenBucket", "secretFiles"])
      expect(secretKeyReason(k)).toBeUndefined();
    for (const k of ["apiKey", "API_KEY", "DATABASE_URL", "databaseUrl", "clientSecret", "RENDER_API_KEY", "db_password"])
      expect(secretKeyReason(k)).toBeDefined();
    expect(secretValueShape("https://example.com/a")).toBeUndefined();
    // Concatenated so the file never holds a PEM header that secret scanners read as a committed key (same value).
    expect(secretValueShape("-----BEGIN RSA " + "PRIVATE KEY-----")).toBe("a PEM private key");
  });

  test("a path is secret when an ancestor is", () => {
    expect(underSecret("values.DATABASE_URL", new Set(["values"]))).toBe(true);
    expect(underSecret("list[2].x", new Set(["list[2]"]))).toBe(true);
    expect(underSecret("valuesX", new Set(["values"]))).toBe(false);
  });
});
