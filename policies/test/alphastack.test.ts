import { inputsHash } from "../lib/canonical";
import { ProtectedSet } from "../lib/protected";
import { alphaStackFrozen, alphaStackReferencePinned, alphaStackReferencesPresent, FreezeSettings } from "../rules/alphastack";
import { TYPES } from "../rules/types";
import type { BaselineEntry } from "../config";
import { messages, res } from "./fixtures";

const settings = (over: Partial<FreezeSettings> = {}): FreezeSettings => ({
  protectedSet: new ProtectedSet([]),
  readOnlyUrls: ["https://engine.alphastack.example/healthz"],
  pinnedUrns: new Set(),
  ...over,
});

describe("alphastack-frozen", () => {
  const ours = { serviceId: "srv-ourapiblue000000000", values: { LOG_LEVEL: "info" } };

  test("an env var resource on our own service is compliant", () => {
    expect(alphaStackFrozen(res(TYPES.envVars, "api-env", ours), settings())).toEqual({ status: "compliant" });
  });

  test("env vars on AlphaStack's engine are refused, naming the field and the fix", () => {
    const m = messages(alphaStackFrozen(res(TYPES.envVars, "api-env", { ...ours, serviceId: "srv-alphastackengine0000" }), settings()));
    expect(m).toHaveLength(1);
    expect(m[0]).toMatch(/^render:EnvVars "api-env" must not act on AlphaStack production: serviceId targets srv-alphastackengine0000/);
    expect(m[0]).toMatch(/<Resource>\.get/);
  });

  test("secret files on AlphaStack's worker are refused", () => {
    const m = messages(alphaStackFrozen(res(TYPES.secretFiles, "f", { serviceId: "srv-alphastackworker0000", files: {} }), settings()));
    expect(m[0]).toMatch(/serviceId targets srv-alphastackworker0000 \(AlphaStack's worker service/);
  });

  test("linking a new env group to AlphaStack's engine is refused", () => {
    const m = messages(
      alphaStackFrozen(res(TYPES.envGroupLink, "link", { envGroupId: "evg-ours00000000000000", serviceId: "srv-alphastackengine0000" }), settings()),
    );
    expect(m[0]).toMatch(/serviceId targets srv-alphastackengine0000/);
  });

  test("linking AlphaStack's env group to one of our services is refused", () => {
    const m = messages(
      alphaStackFrozen(res(TYPES.envGroupLink, "link", { envGroupId: "evg-alphastackenv0000000", serviceId: "srv-ourapiblue000000000" }), settings()),
    );
    expect(m[0]).toMatch(/envGroupId targets evg-alphastackenv0000000/);
  });

  test("claiming AlphaStack's domain (or a subdomain) is refused", () => {
    for (const host of ["engine.alphastack.example", "api.engine.alphastack.example"]) {
      const m = messages(alphaStackFrozen(res(TYPES.customDomain, "d", { serviceId: "srv-ouredge00000000000000", name: host }), settings()));
      expect(m[0]).toMatch(/must not claim AlphaStack's domain: name is/);
    }
  });

  test("a look-alike domain is not AlphaStack's", () => {
    const r = alphaStackFrozen(res(TYPES.customDomain, "d", { serviceId: "srv-ouredge00000000000000", name: "engine.alphastack.example.com" }), settings());
    expect(r.status).toBe("compliant");
  });

  test("a service named like AlphaStack's engine is refused (the provider adopts by name)", () => {
    const m = messages(
      alphaStackFrozen(res(TYPES.service, "svc", { name: "alphastack-engine", ownerId: "tea-alphastackprod000000", type: "web_service" }), settings()),
    );
    expect(m[0]).toMatch(/must not use AlphaStack's resource name "alphastack-engine"/);
  });

  test("a Postgres resource in AlphaStack's environment is refused", () => {
    const m = messages(alphaStackFrozen(res(TYPES.postgres, "db", { name: "platform-db", environmentId: "evm-alphastackprod000000" }), settings()));
    expect(m[0]).toMatch(/environmentId targets evm-alphastackprod000000/);
  });

  test("scaling or suspending AlphaStack through any resource type that names it is refused", () => {
    const m = messages(alphaStackFrozen(res("render:index:Scale", "scale", { resourceId: "srv-alphastackengine0000", numInstances: 4 }), settings()));
    expect(m[0]).toMatch(/resourceId targets srv-alphastackengine0000/);
  });

  test("a command that suspends AlphaStack by name is refused", () => {
    const m = messages(alphaStackFrozen(res(TYPES.localCommand, "c", { create: "render services suspend alphastack-engine --confirm" }), settings()));
    expect(m[0]).toMatch(/^command:local:Command "c" must not run a command against AlphaStack production: create mentions alphastack-engine/);
  });

  test("a command with psql against AlphaStack's database host is refused", () => {
    const m = messages(
      alphaStackFrozen(res(TYPES.localCommand, "c", { create: "psql -h dpg-alphastackdb00000000-a.oregon-postgres.render.com -c 'select 1'" }), settings()),
    );
    expect(m[0]).toMatch(/create mentions dpg-alphastackdb00000000-a/);
  });

  test("a command's delete step is checked too", () => {
    const m = messages(
      alphaStackFrozen(
        res(TYPES.localCommand, "c", { create: "true", delete: "curl -X DELETE https://api.render.com/v1/services/srv-alphastackengine0000" }),
        settings(),
      ),
    );
    expect(m[0]).toMatch(/delete mentions srv-alphastackengine0000/);
  });

  test("a connection string to AlphaStack's replica in any input is refused", () => {
    const m = messages(alphaStackFrozen(res("custom:x:Thing", "t", { spec: { url: "postgres://ro@dpg-alphastackdb00000000-b/db" } }), settings()));
    expect(m[0]).toMatch(/must not refer to AlphaStack production: spec\.url contains dpg-alphastackdb00000000-a/);
  });

  test("AlphaStack's status URL is a read-only reference and allowed", () => {
    const r = alphaStackFrozen(
      res(TYPES.envVars, "guardian-env", {
        serviceId: "srv-ourguardian00000000",
        values: { ALPHASTACK_STATUS_URL: "https://engine.alphastack.example/healthz" },
      }),
      settings(),
    );
    expect(r.status).toBe("compliant");
  });

  test("any other URL on AlphaStack's domain is refused", () => {
    const m = messages(
      alphaStackFrozen(
        res(TYPES.envVars, "e", { serviceId: "srv-ourguardian00000000", values: { HOOK: "https://engine.alphastack.example/admin/restart" } }),
        settings(),
      ),
    );
    expect(m[0]).toMatch(/values\.HOOK contains engine\.alphastack\.example/);
  });

  test("an alert rule may watch AlphaStack to notify, not to act", () => {
    const rule = (action: unknown) => ({
      rule: { name: "engine-down", signal: { probe: "https://engine.alphastack.example/healthz" }, target: { serviceId: "srv-alphastackengine0000" }, action },
    });
    expect(alphaStackFrozen(res(TYPES.alertRule, "a", rule({ type: "none" })), settings()).status).toBe("compliant");
    const m = messages(alphaStackFrozen(res(TYPES.alertRule, "a", rule({ type: "rollback", app: "api" })), settings()));
    expect(m).toHaveLength(2); // the probe URL and the target: each is named
    expect(m.join("\n")).toMatch(
      /must not act on AlphaStack production: it watches srv-alphastackengine0000 .*\(rule\.target\.serviceId\) with action "rollback"\. Set the rule's action to \{ type: "none" \}/,
    );
  });

  test("ids added by config are protected too", () => {
    const s = settings({ protectedSet: new ProtectedSet(["srv-extra0000000000000000"]) });
    expect(messages(alphaStackFrozen(res(TYPES.envVars, "e", { serviceId: "srv-extra0000000000000000", values: {} }), s))[0]).toMatch(
      /srv-extra0000000000000000/,
    );
  });

  test("a pinned AlphaStack reference is left to alphastack-references-pinned", () => {
    const r = res(TYPES.service, "alphastack-engine-ref", { serviceId: "srv-alphastackengine0000" });
    expect(alphaStackFrozen(r, settings({ pinnedUrns: new Set([r.urn]) })).status).toBe("not-applicable");
  });

  test("the dynamic provider's inputs (the stack config) are not a target", () => {
    const r = res("pulumi:providers:pulumi-nodejs", "default", { "stackguard:alphaStack": '{"services":["srv-alphastackengine0000"]}' });
    expect(alphaStackFrozen(r, settings()).status).toBe("not-applicable");
  });
});

describe("alphastack-references-pinned", () => {
  const props = { serviceId: "srv-alphastackengine0000", kind: "service", __provider: "exports.handler = 1" };
  const entry: BaselineEntry = {
    urn: "urn:pulumi:production::stackguard::pulumi-nodejs:dynamic/stackguard:ProtectedRef::alphastack-engine",
    type: "pulumi-nodejs:dynamic/stackguard:ProtectedRef",
    id: "srv-alphastackengine0000",
    mode: "managed",
    inputsHash: inputsHash(props),
  };
  const ref = (p = props, opts: { protect?: boolean; ignoreChanges?: string[] } = { protect: true }) => ({
    ...res(entry.type, "alphastack-engine", p, opts),
    urn: entry.urn,
  });

  test("a protected reference whose inputs match the pin is compliant", () => {
    expect(alphaStackReferencePinned(ref(), entry)).toEqual({ status: "compliant" });
  });

  test("a change of __provider alone does not count (it is the provider's compiled code)", () => {
    expect(alphaStackReferencePinned(ref({ ...props, __provider: "exports.handler = 2" }), entry).status).toBe("compliant");
  });

  test("changed inputs are refused with both hashes and the fix", () => {
    const m = messages(alphaStackReferencePinned(ref({ ...props, kind: "worker" }), entry));
    expect(m[0]).toMatch(/must keep the inputs pinned in the baseline: they hash to sha256:[0-9a-f]{12}…, the pin is sha256:/);
    expect(m[0]).toMatch(/npm run baseline/);
  });

  test("a missing protect is refused", () => {
    expect(messages(alphaStackReferencePinned(ref(props, { protect: false }), entry))[0]).toMatch(/must carry protect: true/);
  });

  test("ignoreChanges is refused", () => {
    expect(messages(alphaStackReferencePinned(ref(props, { protect: true, ignoreChanges: ["kind"] }), entry))[0]).toMatch(
      /must not set ignoreChanges \(kind\)/,
    );
  });

  test("unknown inputs at preview are refused (a pin cannot be checked against them)", () => {
    const m = messages(alphaStackReferencePinned(ref({ ...props, kind: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }), entry));
    expect(m[0]).toMatch(/must have inputs known at preview/);
  });

  test("a reference pinned as a .get must not become a managed resource", () => {
    const m = messages(alphaStackReferencePinned(ref(), { ...entry, mode: "read", inputsHash: undefined }));
    expect(m[0]).toMatch(/must not be a managed resource: .*\.get\("alphastack-engine", "srv-alphastackengine0000"\)/);
  });

  test("a resource not in the baseline is not applicable", () => {
    expect(alphaStackReferencePinned(ref(), undefined).status).toBe("not-applicable");
  });
});

describe("alphastack-references-present", () => {
  const read: BaselineEntry = {
    urn: "urn:pulumi:production::stackguard::pulumi-nodejs:dynamic/render:Service::alphastack-engine",
    type: TYPES.service,
    id: "srv-alphastackengine0000",
    mode: "read",
  };
  const managed: BaselineEntry = {
    urn: "urn:pulumi:production::stackguard::pulumi-nodejs:dynamic/stackguard:ProtectedRef::alphastack-db",
    type: "pulumi-nodejs:dynamic/stackguard:ProtectedRef",
    id: "dpg-alphastackdb00000000-a",
    mode: "managed",
    inputsHash: `sha256:${"0".repeat(64)}`,
  };
  const stack = () => [
    { ...res(TYPES.service, "alphastack-engine", { serviceId: "srv-alphastackengine0000", name: "alphastack-engine" }), urn: read.urn },
    { ...res(managed.type, "alphastack-db", { postgresId: "dpg-alphastackdb00000000-a" }, { protect: true }), urn: managed.urn },
  ];

  test("every managed pin present and protected is compliant", () => {
    expect(alphaStackReferencesPresent(stack(), [read, managed])).toEqual({ status: "compliant" });
  });

  test("a deleted (or renamed) managed reference is refused with its URN", () => {
    const m = messages(alphaStackReferencesPresent(stack().slice(0, 1), [read, managed]));
    expect(m[0]).toMatch(
      /^The stack must still hold the AlphaStack reference urn:pulumi:production::stackguard::pulumi-nodejs:dynamic\/stackguard:ProtectedRef::alphastack-db \(dpg-alphastackdb00000000-a\)/,
    );
  });

  test("a managed reference that lost protect is refused", () => {
    const s = stack();
    s[1].opts.protect = false;
    expect(messages(alphaStackReferencesPresent(s, [read, managed]))[0]).toMatch(
      /must carry protect: true: it represents AlphaStack dpg-alphastackdb00000000-a/,
    );
  });

  test("read pins are left to the gate (the engine never shows .get resources to stack policies)", () => {
    expect(alphaStackReferencesPresent([], [read]).status).toBe("not-applicable");
  });

  test("no pins for the stack is not applicable", () => {
    expect(alphaStackReferencesPresent(stack(), []).status).toBe("not-applicable");
  });
});
