import { PATTERNS, REDACTED, redact, redactPatterns, secretEnvValues } from "../../../infra/redact";
import { redact as clientRedact } from "../../../infra/render/redact";
import { requestLog } from "../../../infra/render/request-log";
import { redactPulumiOutput } from "../../../infra/ops/pulumi-output";
import { LineRedactor, redact as dataPlaneRedact } from "../../../sim/dataplane/redact";

const { summarize } = require("../../../.github/scripts/preview-summary.js") as { summarize: (o: Record<string, unknown>) => string };

/**
 * Canary tests of the one redaction module (infra/redact): each credential shape, in the forms it is printed in,
 * must lose its secret part and keep what tells a reader what happened; every call site must use it.
 * Token-shaped canaries are built by concatenation so no committed line reads as a real credential.
 */
const C = "Canary7q2w9e"; // a canary secret part
const hex40 = "0123456789abcdef".repeat(3).slice(0, 40);
const GHP = "ghp" + "_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
const PUL = "pul" + "-" + hex40;
const SLACK_PATH = "T0001AAAA/B0002BBBB/" + "XyZ" + C + "abcd";

/** Each case: the pattern it exercises, the input, the canary that must vanish, what must remain. */
const CANARIES: Array<{ pattern: string; input: string; secret: string; keeps: string }> = [
  { pattern: "url-userinfo", input: `connecting to redis://:${C}@cache.internal:6379/0`, secret: C, keeps: `redis://:${REDACTED}@cache.internal:6379/0` },
  { pattern: "url-userinfo", input: `postgresql://app:${C}@db:5432/app failed`, secret: C, keeps: `postgresql://app:${REDACTED}@db:5432/app failed` },
  { pattern: "url-userinfo", input: `jdbc:mysql://root:${C}@mysql:3306/shop`, secret: C, keeps: `jdbc:mysql://root:${REDACTED}@mysql:3306/shop` },
  { pattern: "url-param", input: `GET https://api.example.com/v1/x?user=bob&password=${C}&page=2`, secret: C, keeps: `?user=bob&password=${REDACTED}&page=2` },
  { pattern: "url-param", input: `jdbc:postgresql://db:5432/app?user=app&password=${C}&ssl=true`, secret: C, keeps: `?user=app&password=${REDACTED}&ssl=true` },
  {
    pattern: "url-param",
    input: `jdbc:sqlserver://db:1433;databaseName=app;user=sa;password=${C};encrypt=true`,
    secret: C,
    keeps: `;user=sa;password=${REDACTED};encrypt=true`,
  },
  { pattern: "url-param", input: `download https://exports.example/db.tar?expires=1&sig=${C}`, secret: C, keeps: `?expires=1&sig=${REDACTED}` },
  {
    pattern: "url-param",
    input: `GET http://127.0.0.1:1/__sim/exports/dpg-x/exp-y.dir.tar.gz?X-Sim-Expires=1&X-Sim-Signature=${C}`,
    secret: C,
    keeps: `?X-Sim-Expires=1&X-Sim-Signature=${REDACTED}`,
  },
  {
    pattern: "url-param",
    input: `https://b.s3.amazonaws.com/k?X-Amz-Credential=${C}%2F2026&X-Amz-Signature=${C}`,
    secret: C,
    keeps: `?X-Amz-Credential=${REDACTED}&X-Amz-Signature=${REDACTED}`,
  },
  {
    pattern: "jdbc-oracle",
    input: `jdbc:oracle:thin:scott/${C}@db.internal:1521:ORCL`,
    secret: C,
    keeps: `jdbc:oracle:thin:scott/${REDACTED}@db.internal:1521:ORCL`,
  },
  {
    pattern: "libpq-password",
    input: `host=db port=5432 user=app password=${C} dbname=app sslmode=require`,
    secret: C,
    keeps: `user=app password=${REDACTED} dbname=app`,
  },
  { pattern: "libpq-password", input: `host=db password='${C} with space' dbname=app`, secret: C, keeps: `password=${REDACTED} dbname=app` },
  { pattern: "libpq-password", input: `PGPASSWORD=${C} psql -h db -U app`, secret: C, keeps: `PGPASSWORD=${REDACTED} psql -h db -U app` },
  {
    pattern: "authorization-header",
    input: `Authorization: Basic ${Buffer.from(`admin:${C}`).toString("base64")}`,
    secret: Buffer.from(`admin:${C}`).toString("base64"),
    keeps: `Authorization: Basic ${REDACTED}`,
  },
  { pattern: "authorization-header", input: `{"headers":{"authorization":"token ${C}"}}`, secret: C, keeps: `"authorization":"token ${REDACTED}"` },
  { pattern: "api-key-header", input: `curl -H 'x-api-key: ${C}' https://api.example.com`, secret: C, keeps: `x-api-key: ${REDACTED}` },
  { pattern: "api-key-header", input: `{"X-Api-Key":"${C}"}`, secret: C, keeps: `"X-Api-Key":"${REDACTED}"` },
  { pattern: "json-secret-field", input: `Render said: invalid body {"name":"db","password":"${C}"}`, secret: C, keeps: `"password":"${REDACTED}"` },
  { pattern: "env-assignment", input: `export STRIPE_SECRET=${C} && node app.js`, secret: C, keeps: `STRIPE_SECRET=${REDACTED} && node app.js` },
  { pattern: "bearer-token", input: `retrying with Bearer ${C}.abc-def`, secret: C, keeps: `Bearer ${REDACTED}` },
  { pattern: "github-token", input: `git push https://github.com/o/r using ${GHP}`, secret: GHP, keeps: `https://github.com/o/r using ${REDACTED}` },
  {
    pattern: "github-token",
    input: `token ${"gho" + "_" + "Z".repeat(36)} and ${"ghs" + "_" + "9".repeat(36)} and ${"github_pat" + "_" + "11AB".repeat(6) + "_" + "x".repeat(59)}`,
    secret: "ZZZZZZ",
    keeps: `token ${REDACTED} and ${REDACTED} and ${REDACTED}`,
  },
  { pattern: "pulumi-token", input: `PULUMI login failed for ${PUL}`, secret: PUL, keeps: `login failed for ${REDACTED}` },
  { pattern: "render-api-key", input: `key ${"rnd" + "_" + "AbCdEfGh" + C}`, secret: C, keeps: `key ${REDACTED}` },
  {
    pattern: "slack-webhook-url",
    input: `notifying https://hooks.slack.com/services/${SLACK_PATH} failed: 404`,
    secret: C,
    keeps: `https://hooks.slack.com/${REDACTED} failed: 404`,
  },
  { pattern: "slack-token", input: `bot ${"xoxb" + "-" + "1234567890-" + C}`, secret: C, keeps: `bot ${REDACTED}` },
  { pattern: "aws-access-key-id", input: `aws key ${"AKIA" + "ABCDEFGHIJKLMNOP"} denied`, secret: "ABCDEFGHIJKLMNOP", keeps: `aws key ${REDACTED} denied` },
  {
    pattern: "pem-private-key",
    input: `key: ${"-----BEGIN " + "PRIVATE KEY-----"}\nMIIE${C}\n${"-----END " + "PRIVATE KEY-----"} done`,
    secret: C,
    keeps: `key: ${REDACTED} done`,
  },
];

/** Ordinary output that must come through untouched (no false positives that would destroy useful logs). */
const ORDINARY = [
  "GET /services/srv-abc 404 not found",
  "deploy dep-d0abc live in 42 s (image docker.io/library/nginx:latest)",
  "connecting to postgres://db.internal:5432/app",
  "see https://github.com/stackguard/stackguard/pull/12 and https://api.slack.com/messaging/webhooks",
  "token bucket refilled: 20 tokens, password must be at least 12 characters",
  "plan basic-256mb, region oregon, autoscaling min=1 max=3",
  "  ~ pulumi-nodejs:dynamic/render:EnvVars api-env updated (0.52s) [diff: ~envVars]; values [secret]",
  "Ratelimit-Remaining: 399, Render-Request-Id: api-sim0a1b2c3d-f00",
  "GET /v1/services?limit=20&cursor=abc123&ownerId=tea-stackguardstaging000 200 12ms",
  "TOKEN_TTL_SECONDS is 3600; secretFiles: 2; the key LOG_LEVEL was set",
];

describe("infra/redact: one redaction module, a canary per credential shape", () => {
  it.each(CANARIES.map((c) => [c.pattern, c] as const))("%s: %#", (_name, c) => {
    const out = redact(c.input);
    expect(out).not.toContain(c.secret);
    expect(out).toContain(c.keeps);
  });

  it("has a canary for every pattern it applies", () => {
    const covered = new Set(CANARIES.map((c) => c.pattern));
    expect(PATTERNS.map((p) => p.name).filter((n) => !covered.has(n))).toEqual([]);
  });

  it("leaves ordinary log lines intact", () => {
    for (const line of ORDINARY) expect(redact(line)).toBe(line);
  });

  it("replaces literal values, longest first, and takes any mask", () => {
    expect(redact("a secret-value-long and secret-value", ["secret-value", "secret-value-long"])).toBe(`a ${REDACTED} and ${REDACTED}`);
    expect(redactPatterns(`redis://:${C}@h`, "[secret]")).toBe("redis://:[secret]@h");
  });

  it("finds secret environment values by name, beyond a fixed list", () => {
    const env = {
      RENDER_API_KEY: "canary-render-1",
      DATADOG_API_KEY: "canary-dd-2",
      SLACK_WEBHOOK_URL: "https://hooks.example/x",
      PORT: "10000",
      HOME: "/root",
    };
    expect(secretEnvValues(env).sort()).toEqual(["canary-dd-2", "canary-render-1", "https://hooks.example/x"]);
  });
});

describe("every redaction call site uses infra/redact", () => {
  const line = CANARIES.map((c) => c.input.replace(/\n/g, " ")).join(" | ");
  const secrets = CANARIES.map((c) => c.secret);
  const expectClean = (out: string) => {
    for (const s of secrets) expect(out).not.toContain(s);
  };

  it("the Render client's redact (errors, the guardian, the deploy report)", () => {
    expectClean(clientRedact(line));
  });

  it("the Render client's request log, whoever records an entry", () => {
    requestLog.reset();
    requestLog.record({ method: "GET", path: "/services", status: 0, ms: 1, attempt: 1, error: `connect failed: redis://:${C}@x ${GHP}` }, "/services");
    expect(JSON.stringify(requestLog.list())).not.toMatch(new RegExp(`${C}|${GHP}`));
    requestLog.reset();
  });

  it("pulumi's output in our scripts (gate, rollback, restore, pulumi-redacted)", () => {
    expectClean(redactPulumiOutput(CANARIES.map((c) => c.input).join("\n") + "\n", []));
  });

  it("the simulator's service logs (line by line, as an app prints them)", () => {
    expectClean(dataPlaneRedact(line, []));
    const lines: string[] = [];
    const r = new LineRedactor([], (l) => lines.push(l));
    r.write(`REDIS_URL is redis://:${C}@ca`);
    r.write(`che:6379\nusing ${PUL}\n`);
    r.end();
    expect(lines).toEqual([`REDIS_URL is redis://:${REDACTED}@cache:6379`, `using ${REDACTED}`]);
  });

  it("the PR-comment summary: every secret env value (not six) and every credential shape", () => {
    const env = { EDGE_RENDER_API_KEY: "canary-edge-render-key", DATADOG_API_KEY: "canary-datadog-key", GITHUB_TOKEN: "canary-gh-token" };
    const preview = {
      diagnostics: [{ severity: "error", message: `provider failed: canary-edge-render-key canary-datadog-key canary-gh-token ${line}` }],
      policyViolations: [{ policy: "p", enforcementLevel: "mandatory", message: `x-api-key: ${C}` }],
    };
    const md = summarize({ stack: "staging", preview, exitCode: 1, gateReport: `Authorization: Basic ${Buffer.from(`u:${C}`).toString("base64")}`, env });
    expect(md).not.toMatch(/canary-edge-render-key|canary-datadog-key|canary-gh-token/);
    expectClean(md);
    expect(md).toContain("[secret]");
  });
});
