import * as pulumi from "@pulumi/pulumi";
import { ALPHASTACK_PROTECTED_IDS, idsFromAlphaStackConfig, normalizeTarget, parseIdList } from "./guard";

/**
 * Builds the `ResourceProvider` that Pulumi serializes into each dynamic resource's `__provider` input.
 *
 * Why a loader instead of the implementation itself: Pulumi serializes a dynamic provider by capturing its closure,
 * which breaks on class instances from libraries (zod schemas, axios instances) and turns every code edit into a
 * diff on every resource. So the serialized closure holds only `kind`; at run time, in the provider process (whose
 * working directory is the Pulumi program's directory), it loads `infra/providers/impl/<kind>.ts` from the project
 * through ts-node and delegates to the `provider` that module exports. The state therefore records a tiny, stable
 * closure and never a credential: implementations read `RENDER_API_URL` / `RENDER_API_KEY` from the environment.
 * The provider process starts in the program's `main` directory (`stacks/`), so the project root is found by
 * walking up to `Pulumi.yaml`.
 *
 * @param kind the implementation module's file name under `infra/providers/impl/` (no extension)
 */
/* eslint-disable @typescript-eslint/no-require-imports -- the closure below is serialized by Pulumi and runs in the
   provider process: it must reach every module through `require` at call time, never through a captured import. */
export function lazyProvider(kind: string): pulumi.dynamic.ResourceProvider {
  // Everything below must be self-contained: it runs in another process after serialization.
  const projectRoot = (): string => {
    const path = require("path");
    const fs = require("fs");
    let root = process.cwd();
    while (!fs.existsSync(path.join(root, "Pulumi.yaml")) && path.dirname(root) !== root) root = path.dirname(root);
    return root;
  };
  /** `require` from the project (ts-node registered), for the implementation and for ./adopt. */
  const projectRequire = (): NodeRequire => {
    const path = require("path");
    const root = projectRoot();
    const req = require("module").createRequire(path.join(root, "package.json"));
    if (!process.env.STACKGUARD_TS_NODE_REGISTERED && !require.extensions[".ts"]) {
      req("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
      process.env.STACKGUARD_TS_NODE_REGISTERED = "1";
    }
    return req;
  };
  const load = (): pulumi.dynamic.ResourceProvider => {
    const g = globalThis as unknown as { __stackguardProviders?: Record<string, pulumi.dynamic.ResourceProvider> };
    g.__stackguardProviders = g.__stackguardProviders ?? {};
    const cached = g.__stackguardProviders[kind];
    if (cached) return cached;
    const path = require("path");
    const impl = projectRequire()(path.join(projectRoot(), "infra", "providers", "impl", kind)).provider;
    if (!impl || typeof impl.create !== "function") {
      throw new Error(`stackguard: infra/providers/impl/${kind} must export a 'provider' with a create method`);
    }
    g.__stackguardProviders[kind] = impl;
    return impl;
  };
  // The gRPC layer (google-protobuf Struct) rejects `undefined` anywhere in a result ("Unexpected struct type"),
  // while zod parsing and optional fields produce them naturally: drop them on the way out, for every provider.
  const clean = <T>(value: T): T => {
    if (Array.isArray(value)) return value.map(clean) as unknown as T;
    if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = clean(v);
      return out as T;
    }
    return value;
  };
  // `adopt` (./adopt.ts) is the loader's, not the implementation's: stripped before the implementation sees the
  // inputs (their schemas are strict), kept in inputs and outputs so the preview and the state show it.
  // `stackguardProviderDigest` (./provider-digest.ts) is the loader's too: the digest of the implementation's code, added to
  // the checked inputs so the state records it and production's allowlist can pin it (issue 14 g); never passed
  // to the implementation, and ignored by diff, so an edit to provider code causes no update by itself.
  const withoutAdopt = (props: Record<string, unknown> | undefined): Record<string, unknown> => {
    const { adopt: _adopt, stackguardProviderDigest: _digest, ...rest } = props ?? {};
    return rest;
  };
  const withDigest = <T extends { inputs?: Record<string, unknown> }>(r: T): T => {
    if (!r.inputs) return r;
    const { providerDigest } = projectRequire()(require("path").join(projectRoot(), "infra", "providers", "provider-digest"));
    return { ...r, inputs: { ...r.inputs, stackguardProviderDigest: providerDigest(projectRoot(), kind) } };
  };
  const keepAdopt = <T extends Record<string, unknown> | undefined>(from: Record<string, unknown> | undefined, to: T): T =>
    from && from.adopt !== undefined && to ? ({ ...to, adopt: from.adopt } as T) : to;
  return {
    configure: async (req) => {
      const p = load();
      if (p.configure) await p.configure(req);
    },
    check: async (olds, news) => {
      const p = load();
      const r = clean(p.check ? await p.check(withoutAdopt(olds), withoutAdopt(news)) : { inputs: withoutAdopt(news) });
      if (news?.adopt === undefined) return withDigest(r);
      const failures = [...(r.failures ?? [])];
      if (typeof news.adopt !== "boolean") {
        failures.push({ property: "adopt", reason: "adopt must be true (take over the existing Render resource with this identity) or false" });
      }
      return withDigest({ inputs: keepAdopt(news, r.inputs), failures });
    },
    // Adoption happens once, at create: setting or removing `adopt` later changes nothing.
    diff: async (id, olds, news) => {
      const p = load();
      return clean(p.diff ? await p.diff(id, withoutAdopt(olds), withoutAdopt(news)) : {});
    },
    create: async (inputs) => {
      if (inputs.adopt !== true) return clean(await load().create(withoutAdopt(inputs)));
      const { runAdopting } = projectRequire()(require("path").join(projectRoot(), "infra", "providers", "adopt"));
      const r = await runAdopting(kind, () => load().create(withoutAdopt(inputs)));
      return clean({ ...r, outs: { ...r.outs, adopt: true } });
    },
    read: async (id, props) => {
      const p = load();
      const r = clean(p.read ? await p.read(id, withoutAdopt(props)) : { id, props: withoutAdopt(props) });
      return { ...r, props: keepAdopt(props, r.props) };
    },
    update: async (id, olds, news) => {
      const p = load();
      if (!p.update) throw new Error(`stackguard: provider '${kind}' does not support in-place updates`);
      const r = clean(await p.update(id, withoutAdopt(olds), withoutAdopt(news)));
      return { ...r, outs: keepAdopt(olds, r.outs) };
    },
    delete: async (id, props) => {
      const p = load();
      if (p.delete) await p.delete(id, withoutAdopt(props));
    },
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */

/** Type prefix of every resource built on {@link lazyProvider}. */
const DYNAMIC_TYPE_PREFIX = "pulumi-nodejs:dynamic";

/**
 * The one sentence that refuses Pulumi's `import` option on one of our resources. `import` cannot work on dynamic
 * resources (pulumi/pulumi#16175, #3550: the engine reads the resource before the provider's code is known, and the
 * SDK fails with "Cannot read properties of undefined (reading 'toJavaScript')"); the supported way is `adopt: true`
 * (./adopt.ts). An id of AlphaStack's is refused naming AlphaStack, which is never adopted either.
 *
 * @param type the resource type (`pulumi-nodejs:dynamic/render:Service`)
 * @param importId the `import` option's value (a string, or an Output whose value is not known yet)
 * @param alphaStackIds AlphaStack's ids and domains, plus any other protected id
 */
export function importRefusal(type: string, name: string, importId: unknown, alphaStackIds: readonly string[]): string {
  const label = `${type.replace(/^pulumi-nodejs:dynamic\//, "")} "${name}"`;
  const protectedIds = new Set(alphaStackIds.map(normalizeTarget));
  const parts = typeof importId === "string" ? importId.split("/").map(normalizeTarget) : [];
  const hit = parts.find((p) => protectedIds.has(p));
  if (hit) {
    return `${label}: import of ${String(importId)} refused: ${hit} is AlphaStack's, and AlphaStack is never managed by this program (neither import nor adopt): reference it read-only with get (see stacks/alphastack.ts).`;
  }
  return `${label}: the import option does not work on stackguard's Render resources (Pulumi dynamic providers cannot import, pulumi/pulumi#16175): remove import and set adopt: true to take over the existing resource by its identity (name and owner), as described in infra/providers/README.md (AlphaStack's resources are never adopted).`;
}

/** AlphaStack's ids for {@link importRefusal}: the fixed production ids, the stack's alphaStack config, protectedIds. */
function protectedIdsFromConfig(): string[] {
  const cfg = new pulumi.Config("stackguard");
  let alphaStack: unknown;
  let extra: unknown;
  try {
    alphaStack = cfg.getObject("alphaStack");
    extra = cfg.getObject("protectedIds") ?? cfg.get("protectedIds");
  } catch {
    /* malformed config is reported by the config schema; the fixed ids still apply */
  }
  return [...ALPHASTACK_PROTECTED_IDS, ...idsFromAlphaStackConfig(alphaStack), ...parseIdList(extra)];
}

/**
 * Refuses `import` on our resources when they are constructed, before the engine is asked anything: a RunError ends
 * the program with the sentence alone (no stack trace). Registered once per program; outside a program (the provider
 * process, unit tests without a stack) there is nothing to guard.
 */
function refuseImports(): void {
  const g = globalThis as unknown as { __stackguardImportRefusal?: boolean };
  if (g.__stackguardImportRefusal) return;
  try {
    pulumi.runtime.registerStackTransformation((args) => {
      // Our resources are custom resources: their options are CustomResourceOptions.
      const importId = (args.opts as pulumi.CustomResourceOptions).import;
      if (importId === undefined || importId === null || !args.type.startsWith(DYNAMIC_TYPE_PREFIX)) return undefined;
      throw new pulumi.RunError(importRefusal(args.type, args.name, importId, protectedIdsFromConfig()));
    });
    g.__stackguardImportRefusal = true;
  } catch {
    /* no root stack resource: not a Pulumi program run */
  }
}
refuseImports();
