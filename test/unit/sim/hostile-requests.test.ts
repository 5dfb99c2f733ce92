import http from "node:http";
import { allRoutes } from "../../../sim/api";
import { deref, requestBodySchema } from "../../../sim/openapi/validator";
import { SEED } from "../../../sim/seed";
import { withSim } from "./helpers";

/**
 * Hostile input against every route the simulator serves: odd, absent and mistyped bodies, broken JSON, broken
 * percent-encoding in path parameters, junk query values. Render answers such requests with 4xx and its error body
 * `{"message": …}`; the simulator must too, never 500, and must keep serving. (The schemathesis run in
 * test/hostile/schemathesis.test.ts generates cases from Render's spec; this one is deterministic and covers the
 * shapes that found the bugs, on real objects so the handlers run past their 404s.)
 */

/** A seeded id per path parameter, so handlers get past the lookup; kinds nothing seeds get a well-formed unknown id. */
const IDS: Record<string, string> = {
  serviceId: SEED.worker,
  deployId: SEED.workerDeploy,
  envVarKey: "LOG_LEVEL",
  secretFileName: "creds.txt",
  customDomainIdOrName: SEED.engineDomain,
  envGroupId: SEED.envGroup,
  postgresId: SEED.postgres,
  projectId: SEED.project,
  environmentId: SEED.environment,
  ownerId: SEED.stagingOwner,
  resourceId: SEED.worker,
};
const unknownId = (name: string) => `${name.replace(/Id.*$/, "").slice(0, 3).toLowerCase()}-d0000000000000000000`;

/** Raw HTTP, so bodies and paths go out exactly as written (fetch would re-encode a path). */
function raw(port: number, method: string, path: string, body: string | undefined, key: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Authorization: `Bearer ${key}` };
    if (body !== undefined) Object.assign(headers, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, timeout: 15_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within 15 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** A schema-shaped value: the first enum value, "x", 1, true, one-item arrays, objects with their required fields. */
function sample(schema: any, depth = 0): unknown {
  const s = deref(schema);
  if (!s || depth > 6) return "x";
  if (s.enum) return s.enum[0];
  if (s.anyOf) return sample(s.anyOf[0], depth + 1);
  switch (s.type) {
    case "string":
      return s.format === "date-time" ? "2026-01-01T00:00:00Z" : "x";
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    case "array":
      return [sample(s.items, depth + 1)];
    default: {
      const out: Record<string, unknown> = {};
      for (const k of s.required ?? []) out[k] = sample(s.properties?.[k], depth + 1);
      return out;
    }
  }
}

/** Bodies every writing route gets: absent, JSON of every other kind, broken JSON, required fields null or mistyped. */
function bodiesFor(method: string, template: string): Array<[string, string | undefined]> {
  const schema = requestBodySchema(method, template);
  const required: string[] = schema?.required ?? [];
  const withAll = (v: unknown) => JSON.stringify(Object.fromEntries(required.map((k) => [k, v])));
  const out: Array<[string, string | undefined]> = [
    ["no body", undefined],
    ["null", "null"],
    ["{}", "{}"],
    ["[]", "[]"],
    ["junk array", '[1,null,"x",{},[]]'],
    ["string", '"x"'],
    ["number", "-1e309"],
    ["boolean", "true"],
    ["truncated JSON", '{"name":'],
    ["form-encoded", "name=x&ownerId=y"],
    ["deep nesting", "[".repeat(100_000) + "]".repeat(100_000)],
    ["lone surrogate", '{"name":"\\ud800","key":"\\ud800"}'],
    ["required fields null", withAll(null)],
    ["required fields objects", withAll({})],
    ["required fields numbers", withAll(1e308)],
    ["required fields empty strings", withAll("")],
    ["required fields arrays of null", withAll([null])],
  ];
  if (schema) {
    const good = sample(schema);
    out.push(["schema-shaped", JSON.stringify(good)]);
    if (good && typeof good === "object" && !Array.isArray(good)) {
      for (const k of required) out.push([`schema-shaped, ${k} null`, JSON.stringify({ ...good, [k]: null })]);
    }
  }
  return out;
}

describe("hostile requests against the embedded Render", () => {
  let h: Awaited<ReturnType<typeof withSim>>;
  let port: number;
  beforeAll(async () => {
    // Records only: this is about the API layer, and real database servers would only slow ~2,000 requests down.
    h = await withSim({ realDatabases: false });
    port = Number(new URL(h.sim.url).port);
  });
  afterAll(() => h?.done());

  // Writes and reads first, deletes last: a delete early on would turn later cases into 404s.
  const routes = [...allRoutes()].sort((a, b) => Number(a.method === "DELETE") - Number(b.method === "DELETE"));
  const fill = (template: string, pick: (name: string) => string) => template.replace(/\{(\w+)\}/g, (_m, n: string) => pick(n));

  /** Every answer: below 500 and, for an error, Render's JSON error body. */
  const expectRenderAnswer = (what: string, r: { status: number; text: string }) => {
    if (r.status >= 500) throw new Error(`${what} → ${r.status} ${r.text.slice(0, 300)}`);
    if (r.status >= 400) {
      const body = JSON.parse(r.text) as { message?: unknown };
      if (typeof body.message !== "string" || !body.message) throw new Error(`${what} → ${r.status} without Render's error body: ${r.text.slice(0, 200)}`);
    }
  };

  it("answers 401 to a path that is not percent-encoded UTF-8 before authentication, 400 after", async () => {
    for (const path of ["/v1/services/%E0", "/v1/services/%ZZ", "/v1/env-groups/%C0%AF/env-vars/%FF"]) {
      const anon = await raw(port, "GET", path, undefined, "wrong-key");
      expect({ path, status: anon.status, body: JSON.parse(anon.text) }).toEqual({ path, status: 401, body: { message: "Unauthorized" } });
      const authed = await raw(port, "GET", path, undefined, h.sim.apiKey);
      expect(authed.status).toBe(400);
      expect(JSON.parse(authed.text).message).toMatch(/^invalid path parameter "(serviceId|envGroupId)": .* is not percent-encoded UTF-8$/);
    }
    for (const path of ["/__sim/services/%E0/faults", "/__sim/owners/%ZZ/settings"]) {
      const authed = await raw(port, "GET", path, undefined, h.sim.apiKey);
      expect({ path, status: authed.status }).toEqual({ path, status: 400 });
    }
  });

  it("answers an absent or odd body to a create with 400 naming the fields (was 500 on 8 operations)", async () => {
    for (const op of ["/disks", "/env-groups", "/environments", "/key-value", "/postgres", "/projects", "/redis", "/webhooks"]) {
      for (const body of [undefined, "null", '"x"', "[]", "7"]) {
        const r = await raw(port, "POST", `/v1${op}`, body, h.sim.apiKey);
        expect({ op, body, status: r.status }).toEqual({ op, body, status: 400 });
        expect(JSON.parse(r.text).message).toMatch(/^(missing request body: send a JSON object with "|invalid type for "body": must be a JSON object)/);
      }
    }
    const r = await raw(port, "POST", "/v1/disks", undefined, h.sim.apiKey);
    expect(JSON.parse(r.text)).toEqual({ message: 'missing request body: send a JSON object with "name", "sizeGB", "mountPath", "serviceId"' });
  });

  it("gives a required field sent as null Go's zero value: 404 for an id, 400 for a size, not 500", async () => {
    const disk = await raw(port, "POST", "/v1/disks", JSON.stringify({ name: "d", sizeGB: 1, mountPath: "/data", serviceId: null }), h.sim.apiKey);
    expect(disk.status).toBe(404);
    const size = await raw(port, "POST", "/v1/disks", JSON.stringify({ name: "d", sizeGB: null, mountPath: "/data", serviceId: SEED.worker }), h.sim.apiKey);
    expect(size.status).toBe(400);
    expect(JSON.parse(size.text).message).toMatch(/sizeGB/);
  });

  it("answers what Render's spec promises where schemathesis found the simulator did not (region, null values)", async () => {
    for (const op of ["/key-value", "/redis", "/postgres"]) {
      const body = { name: "x", ownerId: SEED.stagingOwner, plan: op === "/postgres" ? "basic_256mb" : "starter", version: "16", region: "\u00b2" };
      const r = await raw(port, "POST", `/v1${op}`, JSON.stringify(body), h.sim.apiKey);
      expect({ op, status: r.status, body: JSON.parse(r.text) }).toEqual({
        op,
        status: 400,
        body: { message: 'invalid value for "region": must be one of frankfurt, oregon, ohio, singapore, virginia' },
      });
    }
    const files = await raw(port, "PUT", `/v1/services/${SEED.engine}/secret-files`, JSON.stringify([{ name: "a.txt", content: null }]), h.sim.apiKey);
    expect(files.status).toBe(200);
    expect(JSON.parse(files.text)[0].secretFile).toEqual({ content: "", name: "a.txt" });
    const vars = await raw(port, "PUT", `/v1/services/${SEED.engine}/env-vars`, JSON.stringify([{ key: "A", value: null }]), h.sim.apiKey);
    // An env var needs a value or `generateValue` (Render's oneOf): a null value is refused, naming the field.
    expect(vars.status).toBe(400);
    expect(JSON.parse(vars.text).message).toMatch(/[vV]alue/);
  });

  it("never answers 5xx to any route with hostile bodies, paths or queries, and keeps serving", async () => {
    let cases = 0;
    const failures: string[] = [];
    const attempt = async (method: string, path: string, body: string | undefined, label: string) => {
      cases++;
      try {
        expectRenderAnswer(`${method} ${path} [${label}]`, await raw(port, method, path, body, h.sim.apiKey));
      } catch (e) {
        failures.push((e as Error).message);
      }
    };
    for (const r of routes) {
      const real = `/v1${fill(r.template, (n) => encodeURIComponent(IDS[n] ?? unknownId(n)))}`;
      for (const bad of ["%E0", "%ZZ", "%00", "a".repeat(4000), "..%2F..%2Fetc", "%F0%9F%92%A9"]) {
        await attempt(r.method, `/v1${fill(r.template, () => bad)}`, undefined, `param ${bad.slice(0, 12)}`);
      }
      await attempt(r.method, `${real}?limit=abc&cursor=%E0%A4&createdBefore=never&ownerId=%E0&type=nope&includePreviews=maybe`, undefined, "junk query");
      if (r.method === "GET" || r.method === "DELETE") {
        await attempt(r.method, real, '{"odd":"body on a read"}', "body on GET/DELETE");
        continue;
      }
      for (const [label, body] of bodiesFor(r.method, r.template)) await attempt(r.method, real, body, label);
    }
    console.log(`hostile requests: ${cases} cases over ${routes.length} routes, ${failures.length} answered 5xx`);
    expect(failures).toEqual([]);
    expect(cases).toBeGreaterThan(routes.length * 8);
    const health = await raw(port, "GET", "/__sim/health", undefined, h.sim.apiKey);
    expect(health.status).toBe(200);
    const after = await raw(port, "GET", "/v1/services?limit=1", undefined, h.sim.apiKey);
    expect(after.status).toBe(200);
  }, 300_000);

  it("answers malformed HTTP with 400 and keeps serving", async () => {
    const net = await import("node:net");
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1", () => s.write("GET /v1/services HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n"));
      let text = "";
      s.on("data", (c) => (text += c.toString()));
      s.on("end", () => resolve(text));
      s.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect((await raw(port, "GET", "/v1/services?limit=1", undefined, h.sim.apiKey)).status).toBe(200);
  });
});
