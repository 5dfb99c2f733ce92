import { AlphaStackHosts, isReadOnlyUrl, normalizePath, normalizeUrl, urlsIn } from "../../infra/config/alphastack-urls";
import { alphaStackRoutingProblems, upstreamProblems } from "../../infra/config/routing";
import { analyseEvents, touchesAlphaStack } from "../lib/gate";
import { ALPHASTACK_NAMES, ProtectedSet } from "../lib/protected";
import { alertRuleActsOnAlphaStack, alphaStackFrozen, FreezeSettings } from "../rules/alphastack";
import { environmentIsolation } from "../rules/isolation";
import { TYPES } from "../rules/types";
import { messages, res } from "./fixtures";

/** Issue 14 a, c, d: traffic to AlphaStack, path tricks, alert rules acting on AlphaStack. */

const STATUS = "https://engine.alphastack.example/healthz";
const set = new ProtectedSet([]);
const hosts = new AlphaStackHosts({
  domains: ["engine.alphastack.example"],
  ids: set
    .list()
    .filter((e) => e.kind === "id")
    .map((e) => e.token),
  names: Object.keys(ALPHASTACK_NAMES),
  addresses: ["http://127.0.0.1:4123"],
});
const settings = (): FreezeSettings => ({ protectedSet: set, hosts, readOnlyUrls: [STATUS], pinnedUrns: new Set() });
const edgeApps = (blue: string) => JSON.stringify({ api: { blue, green: "http://api-green-x1:10000", healthPath: "/healthz" } });

describe("URL normalization (issue 14 c)", () => {
  test.each([
    ["/healthz/../admin/suspend", "/admin/suspend"],
    ["/healthz/%2e%2e/admin", "/admin"],
    ["/healthz%2F..%2Fadmin", "/admin"],
    ["/healthz/%252e%252e/admin", "/admin"],
    ["/healthz\\..\\admin", "/admin"],
    ["//healthz/./", "/healthz"],
  ])("%s normalizes to %s", (raw, want) => expect(normalizePath(raw)).toBe(want));

  test("host case, trailing dots and numeric IPv4 forms are normalized", () => {
    expect(normalizeUrl("https://ENGINE.AlphaStack.example./healthz")).toMatchObject({ host: "engine.alphastack.example", port: "443", path: "/healthz" });
    expect(normalizeUrl("http://2130706433:4123/x")?.host).toBe("127.0.0.1");
  });

  test.each([
    [STATUS, true],
    ["https://ENGINE.alphastack.example./healthz", true],
    ["https://engine.alphastack.example/healthz/ready", true],
    ["https://engine.alphastack.example/healthz/../admin/suspend", false],
    ["https://engine.alphastack.example/healthz/%2e%2e/admin", false],
    ["https://engine.alphastack.example/healthz%2F..%2Fadmin", false],
    ["https://engine.alphastack.example/healthzadmin", false],
    ["https://engine.alphastack.example:8443/healthz", false],
    ["https://user:pw@engine.alphastack.example/healthz", false],
    [`${STATUS}; curl -X POST x`, false],
  ])("read-only status URL %s → %s", (url, ok) => expect(isReadOnlyUrl(url, [STATUS])).toBe(ok));

  test("the pack refuses a status-URL path trick that a prefix match let through", () => {
    const m = messages(
      alphaStackFrozen(res(TYPES.envVars, "probe", { serviceId: "srv-ourguardian00000000", values: { PROBE_URL: `${STATUS}/../admin/suspend` } }), settings()),
    );
    expect(m.join("\n")).toMatch(/must not refer to AlphaStack production: values.PROBE_URL/);
    expect(alphaStackFrozen(res(TYPES.envVars, "probe", { serviceId: "srv-ourguardian00000000", values: { PROBE_URL: STATUS } }), settings())).toEqual({
      status: "compliant",
    });
  });

  test("a promotion's AlphaStack guard may watch the status URL, and only that (issue 14, item 4)", () => {
    const sw = (url: string) =>
      res(TYPES.trafficSwitch, "api-switch", {
        app: "api",
        slots: { blue: { serviceId: "srv-apiblue", url: "http://api-blue-x1:10000" }, green: { serviceId: "srv-apigreen", url: "http://api-green-x1:10000" } },
        guards: [{ name: "AlphaStack engine", url }],
      });
    expect(alphaStackFrozen(sw(STATUS), settings())).toEqual({ status: "compliant" });
    expect(messages(alphaStackFrozen(sw(`${STATUS}/../admin/suspend`), settings())).join("\n")).toMatch(
      /must not refer to AlphaStack production: guards\[0\]\.url/,
    );
  });

  test("isolation and the gate normalize too", () => {
    const staging = environmentIsolation(
      res(TYPES.envVars, "e", { serviceId: "srv-stagingworker000000", values: { P: `${STATUS}/%2e%2e/admin` } }, {}, "staging"),
      { environment: "staging", ids: { production: ["tea-alphastackprod000000"], staging: ["tea-stackguardstaging000"] }, readOnlyUrls: [STATUS] },
    );
    expect(messages(staging).join("\n")).toMatch(/must not refer to production/);
    expect(
      touchesAlphaStack({ op: "update", urn: "u", type: "x:y:Z", new: { inputs: { probe: `${STATUS}/../admin` } } }, set, new Set(), [STATUS]),
    ).not.toEqual([]);
  });
});

describe("traffic sent to AlphaStack (issue 14 a)", () => {
  test.each([
    ["its domain", "https://engine.alphastack.example"],
    ["its domain in upper case with a trailing dot", "https://ENGINE.ALPHASTACK.EXAMPLE./"],
    ["its status URL (an upstream is no probe)", STATUS],
    ["a subdomain of its domain", "https://api.engine.alphastack.example"],
    ["its onrender.com slug", "https://alphastack-engine.onrender.com"],
    ["its onrender.com slug with Render's suffix", "https://alphastack-engine-k3x9.onrender.com"],
    ["its private-network name", "http://alphastack-engine:10000"],
    ["its service id as a host", "http://srv-alphastackengine0000:10000"],
    ["its address (decimal IPv4)", "http://2130706433:4123"],
  ])("an edge upstream at %s is refused by the pack", (_what, url) => {
    const m = messages(
      alphaStackFrozen(res(TYPES.envVars, "edge-env", { serviceId: "srv-ouredge0000000000000", values: { EDGE_APPS: edgeApps(url) } }), settings()),
    );
    expect(m.join("\n")).toMatch(/^render:EnvVars "edge-env" must not send traffic to AlphaStack production: values.EDGE_APPS routes to/m);
  });

  test("a traffic switch slot at AlphaStack's URL is refused", () => {
    const m = messages(
      alphaStackFrozen(
        res(TYPES.trafficSwitch, "api-switch", {
          slots: {
            blue: { serviceId: "srv-ourapiblue000000000", url: "https://alphastack-engine.onrender.com" },
            green: { serviceId: "srv-ourapigreen00000000", url: "http://api-green:10000" },
          },
        }),
        settings(),
      ),
    );
    expect(m.join("\n")).toMatch(/must not send traffic to AlphaStack production: slots.blue.url/);
  });

  test("our own upstreams pass (no false block on look-alikes)", () => {
    for (const url of [
      "http://api-blue-x1:10000",
      "https://alphastack-engineering.onrender.com",
      "https://engine.alphastack.example.com",
      "http://127.0.0.1:4124",
    ]) {
      expect(
        alphaStackFrozen(res(TYPES.envVars, "edge-env", { serviceId: "srv-ouredge0000000000000", values: { EDGE_APPS: edgeApps(url) } }), settings()),
      ).toEqual({ status: "compliant" });
    }
  });

  test("the gate refuses an upstream at the address AlphaStack's .get read reports", () => {
    const events = [
      {
        resourcePreEvent: {
          metadata: {
            op: "read",
            urn: "urn:pulumi:production::stackguard::pulumi-nodejs:dynamic/render:Service::alphastack-srv-alphastackengine0000",
            type: "pulumi-nodejs:dynamic/render:Service",
            new: { id: "srv-alphastackengine0000", outputs: { url: "http://127.0.0.1:4999" } },
          },
        },
      },
      {
        resourcePreEvent: {
          metadata: {
            op: "update",
            urn: "urn:pulumi:production::stackguard::pulumi-nodejs:dynamic/render:EnvVars::edge-env",
            type: "pulumi-nodejs:dynamic/render:EnvVars",
            new: { inputs: { values: { EDGE_APPS: edgeApps("http://localhost.:4999") } } },
          },
        },
      },
    ]
      .map((e) => JSON.stringify(e))
      .join("\n");
    const r = analyseEvents(events.replace("localhost.", "127.0.0.1"), set, [], []);
    expect(r.touching.map((t) => t.reasons.join(" "))).toEqual([expect.stringMatching(/values.EDGE_APPS sends requests to http:\/\/127.0.0.1:4999/)]);
  });

  test("the routing schema refuses AlphaStack's hosts as edge hosts, and AlphaStack as an upstream", () => {
    const a = { services: ["srv-alphastackengine0000"], domains: ["engine.alphastack.example"] };
    const p = alphaStackRoutingProblems(
      { api: { kind: "blueGreen", hosts: ["alphastack-engine.onrender.com"] } },
      { domains: ["Engine.AlphaStack.example."], internalHosts: ["alphastack-engine"] },
      a,
    );
    expect(p.map((x) => x.path.join("."))).toEqual(["edge.domains.0", "edge.internalHosts.0", "apps.api.hosts.0"]);
    expect(upstreamProblems({ api: { blue: "https://alphastack-engine-ab12.onrender.com", green: "http://api-green:10000" } }, a)[0].message).toMatch(
      /api's blue slot .* is AlphaStack/,
    );
    expect(upstreamProblems({ api: { blue: "http://api-blue:10000", green: "http://api-green:10000" } }, a)).toEqual([]);
  });

  test("urlsIn finds URLs inside JSON text", () => {
    expect(urlsIn(edgeApps("http://a:1/x"))).toEqual(["http://a:1/x", "http://api-green-x1:10000"]);
  });
});

describe("alert rules acting on AlphaStack (issue 14 d)", () => {
  const rule = (over: Record<string, unknown>) => ({
    edgeUrl: "http://127.0.0.1:9",
    rule: {
      name: "r",
      signal: "http.error_rate",
      target: "api",
      comparator: ">",
      critical: { threshold: 1 },
      severity: "page",
      runbookUrl: "https://runbooks.example/r",
      action: { type: "rollback", app: "api" },
      ...over,
    },
  });
  test.each([
    ["an AlphaStack signal with a kill switch", { signal: "alphastack.engine_status", target: undefined, action: { type: "killSwitch", flag: "orders" } }],
    ["a target named like AlphaStack's engine", { target: "alphastack-engine" }],
    ["a rollback of AlphaStack's engine", { action: { type: "rollback", app: "alphastack-engine" } }],
  ])("%s is refused by the pack, not only by the provider", (_w, over) => {
    expect(alertRuleActsOnAlphaStack(rule(over))).toBeDefined();
    expect(messages(alphaStackFrozen(res(TYPES.alertRule, "r", rule(over)), settings())).join("\n")).toMatch(/must not act on AlphaStack production/);
  });
  test("a notify-only rule on AlphaStack and an acting rule on our api pass", () => {
    expect(
      alphaStackFrozen(res(TYPES.alertRule, "r", rule({ signal: "alphastack.engine_status", target: undefined, action: { type: "none" } })), settings()),
    ).toEqual({ status: "compliant" });
    expect(alphaStackFrozen(res(TYPES.alertRule, "r", rule({})), settings())).toEqual({ status: "compliant" });
  });
});
