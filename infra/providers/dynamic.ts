import * as pulumi from "@pulumi/pulumi";

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
export function lazyProvider(kind: string): pulumi.dynamic.ResourceProvider {
  // Everything below must be self-contained: it runs in another process after serialization.
  const load = (): pulumi.dynamic.ResourceProvider => {
    const g = globalThis as unknown as { __stackguardProviders?: Record<string, pulumi.dynamic.ResourceProvider> };
    g.__stackguardProviders = g.__stackguardProviders ?? {};
    const cached = g.__stackguardProviders[kind];
    if (cached) return cached;
    const path = require("path");
    const fs = require("fs");
    let root = process.cwd();
    while (!fs.existsSync(path.join(root, "Pulumi.yaml")) && path.dirname(root) !== root) root = path.dirname(root);
    const projectRequire = require("module").createRequire(path.join(root, "package.json"));
    if (!process.env.STACKGUARD_TS_NODE_REGISTERED && !require.extensions[".ts"]) {
      projectRequire("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
      process.env.STACKGUARD_TS_NODE_REGISTERED = "1";
    }
    const impl = projectRequire(path.join(root, "infra", "providers", "impl", kind)).provider;
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
  // `stackguardProviderDigest` (./provider-digest.ts) is the loader's: the digest of the implementation's code, added to the
  // checked inputs so the state records it and production's allowlist can pin it (issue 14 g); never passed to the
  // implementation, and ignored by diff, so an edit to provider code causes no update by itself.
  const withoutDigest = (props: Record<string, unknown> | undefined): Record<string, unknown> => {
    const { stackguardProviderDigest: _digest, ...rest } = props ?? {};
    return rest;
  };
  const withDigest = <T extends { inputs?: Record<string, unknown> }>(r: T): T => {
    if (!r.inputs) return r;
    const path = require("path");
    const fs = require("fs");
    let root = process.cwd();
    while (!fs.existsSync(path.join(root, "Pulumi.yaml")) && path.dirname(root) !== root) root = path.dirname(root);
    load(); // registers ts-node for the project
    const { providerDigest } = require("module").createRequire(path.join(root, "package.json"))(path.join(root, "infra", "providers", "provider-digest"));
    return { ...r, inputs: { ...r.inputs, stackguardProviderDigest: providerDigest(root, kind) } };
  };
  return {
    configure: async (req) => { const p = load(); if (p.configure) await p.configure(req); },
    check: async (olds, news) => { const p = load(); return withDigest(clean(p.check ? await p.check(withoutDigest(olds), withoutDigest(news)) : { inputs: withoutDigest(news) })); },
    diff: async (id, olds, news) => { const p = load(); return clean(p.diff ? await p.diff(id, withoutDigest(olds), withoutDigest(news)) : {}); },
    create: async (inputs) => clean(await load().create(withoutDigest(inputs))),
    read: async (id, props) => { const p = load(); return clean(p.read ? await p.read(id, withoutDigest(props)) : { id, props: withoutDigest(props) }); },
    update: async (id, olds, news) => {
      const p = load();
      if (!p.update) throw new Error(`stackguard: provider '${kind}' does not support in-place updates`);
      return clean(await p.update(id, withoutDigest(olds), withoutDigest(news)));
    },
    delete: async (id, props) => { const p = load(); if (p.delete) await p.delete(id, withoutDigest(props)); },
  };
}
