import * as path from "node:path";

/**
 * Policies whose level no `--policy-pack-config` can lower (issue 14 e): the AlphaStack freeze, environment
 * isolation and the promotion rule. `"disabled"`, `"advisory"` or `{"all": "disabled"}` for them is refused by
 * `validate-config` (and so by `npm run gate` and the tests of the committed files), and the pack enforces them
 * anyway: the engine would otherwise skip a disabled policy without the pack ever being asked.
 */
export const MANDATORY_POLICIES: ReadonlySet<string> = new Set([
  "alphastack-frozen",
  "alphastack-references-pinned",
  "alphastack-references-present",
  "alphastack-baseline-signed",
  "production-resource-allowlist",
  "environment-isolation",
  "production-requires-promotion",
]);

/** Levels that keep a policy blocking (`remediate` is reported as mandatory by @pulumi/policy). */
export const BLOCKING_LEVELS: ReadonlySet<string> = new Set(["mandatory", "remediate"]);

/** The policies whose configured level the engine sent lower than mandatory in this run (name → level). */
export const loweredByConfig = new Map<string, string>();

// pulumirpc.EnforcementLevel (proto/analyzer.proto).
const LEVEL_NAMES: Record<number, string> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };
const MANDATORY = 1;

interface PolicyConfigProto {
  getEnforcementlevel(): number;
  setEnforcementlevel(v: number): unknown;
}

let installed = false;

/**
 * Makes the analyzer keep {@link MANDATORY_POLICIES} mandatory whatever the engine's `Configure` call says.
 * @pulumi/policy reads each policy's level from that call (server.js `configure`) and skips a disabled policy
 * entirely, so the override has to happen there: the `configure` handler is wrapped when the analyzer service is
 * registered, before @pulumi/policy sees the request. Every lowered level is recorded for `pack-config-intact`.
 */
export function keepMandatoryPoliciesMandatory(): void {
  if (installed) return;
  installed = true;
  // The grpc-js instance @pulumi/policy itself registers its service with.
  const grpcPath = require.resolve("@grpc/grpc-js", { paths: [path.dirname(require.resolve("@pulumi/policy"))] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const grpc = require(grpcPath) as { Server: { prototype: { addService: (svc: unknown, impl: Record<string, unknown>) => void } } };
  const original = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (this: unknown, svc: unknown, impl: Record<string, unknown>) {
    const configure = impl?.configure as
      ((call: { request: { getPolicyconfigMap(): { entries(): Iterable<[string, PolicyConfigProto]> } } }, cb: unknown) => unknown) | undefined;
    if (typeof configure === "function") {
      impl = {
        ...impl,
        configure: (call: Parameters<typeof configure>[0], cb: unknown) => {
          loweredByConfig.clear();
          for (const [name, cfg] of call.request.getPolicyconfigMap().entries()) {
            const level = cfg.getEnforcementlevel();
            if (MANDATORY_POLICIES.has(name) && level !== MANDATORY && level !== 3) {
              loweredByConfig.set(name, LEVEL_NAMES[level] ?? String(level));
              cfg.setEnforcementlevel(MANDATORY);
            }
          }
          return configure(call, cb);
        },
      };
    }
    return original.call(this, svc, impl);
  };
}
