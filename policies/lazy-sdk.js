"use strict";
/**
 * Defers the two heaviest modules the Pulumi SDK loads and a policy pack never uses (issue 14, pack overhead).
 *
 * The engine starts the user's program only after the pack has loaded (`GetAnalyzerInfo`), so the pack's load time
 * is added to every preview. `@pulumi/policy` requires `@pulumi/pulumi`, whose `runtime/` loads at once:
 * - `typescript` (9 MB, through `typescript-shim.js`), used only to parse functions for `serializeFunction`;
 * - `@npmcli/arborist` (and pacote, sigstore … behind it), used only by `computeCodePaths`.
 * Measured in the pack's process: 0.44 s of its 0.62 s load on an idle machine, 1.7 s of the preview's 2.3 s wait
 * under load. Neither function is called while analyzing resources.
 *
 * Each module is put into Node's module cache as a proxy that requires the real module the first time anything on
 * it is used, so behaviour is unchanged if some code path ever needs them: they are deferred, not removed.
 * Plain CommonJS with no dependencies: it runs before the SDK is loaded.
 */
const Module = require("node:module");
const path = require("node:path");

/** The modules to defer, each named with the SDK file that requires it (its resolution is done from there). */
const DEFERRED = [
  { request: "typescript", from: "typescript-shim.js" },
  { request: "@npmcli/arborist", from: path.join("runtime", "closure", "codePaths.js") },
];

/**
 * Seeds `require.cache` with a lazily loading stand-in for `file`. The stand-in forwards every operation to the real
 * module, loaded on first use; `__esModule` is answered without loading so that TypeScript's `__importStar` (which
 * reads it when the SDK module loads) keeps the proxy instead of copying every export.
 */
function defer(file) {
  if (require.cache[file]) return false;
  let real;
  const load = () => {
    if (real === undefined) {
      delete require.cache[file];
      real = require(file);
      // Later requires get the real module directly.
      require.cache[file] = Object.assign(new Module(file), { filename: file, loaded: true, exports: real });
    }
    return real;
  };
  const proxy = new Proxy(
    {},
    {
      get: (_t, key) => (key === "__esModule" && real === undefined ? true : Reflect.get(load(), key)),
      has: (_t, key) => Reflect.has(load(), key),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_t, key) => {
        const d = Reflect.getOwnPropertyDescriptor(load(), key);
        // A proxy may not report a property its (empty) target lacks as non-configurable.
        return d === undefined ? undefined : { ...d, configurable: true };
      },
      set: (_t, key, value) => Reflect.set(load(), key, value),
    },
  );
  require.cache[file] = Object.assign(new Module(file), { filename: file, loaded: true, exports: proxy });
  return true;
}

/**
 * Defers the SDK's unused heavy modules, resolved from the `@pulumi/pulumi` that `sdkFrom` would load. Returns the
 * files deferred; anything that does not resolve (another SDK layout) is left alone, so the pack loads as before.
 */
function deferUnusedSdkModules(sdkFrom = __dirname) {
  let sdkDir;
  try {
    sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [sdkFrom] }));
  } catch {
    return [];
  }
  const deferred = [];
  for (const { request, from } of DEFERRED) {
    let file;
    try {
      file = require.resolve(request, { paths: [path.dirname(path.join(sdkDir, from))] });
    } catch {
      continue;
    }
    if (defer(file)) deferred.push(file);
  }
  return deferred;
}

module.exports = { deferUnusedSdkModules };
