"use strict";
/**
 * The environment the pinned `pulumi` runs with. Two modes:
 * - embedded (default: no RENDER_API_URL): Render is the simulator in `sim/`, started in the background when it is
 *   not running; the backend defaults to a file backend under `.stackguard/`; a fixed, documented passphrase protects
 *   only the simulator's throwaway secrets.
 * - real (RENDER_API_URL set): RENDER_API_KEY is required, and no default passphrase is ever supplied.
 *   STACKGUARD_RENDER_ACCESS says what kind of key the job holds:
 *   - `none` (deploy reports, work that makes no Render call): no key, and any key present is removed;
 *   - `read` (pull-request previews and their gate): RENDER_API_KEY is required and must be a read-only key (a
 *     Render user with the Viewer role): a preview calls the providers' `read` for every `get` (AlphaStack's
 *     services), which is a Render GET, so it cannot run keyless; Render refuses any write with that key.
 */
const fs = require("node:fs");
const path = require("node:path");
const { ROOT, STATE_DIR, SetupError } = require("./setup");

/** Not a secret: it only encrypts secrets generated against the local simulator. Never used with real Render. */
const EMBEDDED_PASSPHRASE = "stackguard-embedded-simulator";

function isEmbedded(env = process.env) {
  return !env.RENDER_API_URL;
}

/**
 * Starts (or finds) the background simulator; returns its API URL, the operator's key (the one `pulumi` itself
 * uses) and the keys of the seeded non-Admin users the deployed edge and guardian get (`keys`, see {@link pulumiEnv}).
 */
async function ensureEmbeddedRender(log) {
  registerTsNode();
  const { ensureSimulator } = require(path.join(ROOT, "sim", "background"));
  const stateDir = path.join(STATE_DIR, "sim");
  const sim = await ensureSimulator({ stateDir, log });
  return { apiUrl: sim.apiUrl ?? `${sim.url}/v1`, apiKey: sim.apiKey, keys: serviceKeys(stateDir), url: sim.url, started: sim.started };
}

/** The edge's and the guardian's own keys, written by the simulator when it seeded its users (sim/domain/users.ts). */
function serviceKeys(stateDir) {
  const keys = {};
  for (const name of ["edge", "guardian"]) {
    try {
      keys[name] = fs.readFileSync(path.join(stateDir, "api-keys", name), "utf8").trim();
    } catch {
      // An older simulator state without per-user keys: the service then gets no Render key at all.
    }
  }
  return keys;
}

/**
 * On the embedded Render, the program gives the guardian the key of its own seeded user (a Viewer), never the
 * operator's: as on real Render, where it holds a non-Admin user's key (docs/pipeline.md), a protected environment
 * refuses its writes whatever the client does. The edge holds no Render key at all (its state is in Key Value):
 * its seeded user's key is never passed, and one left in the shell is dropped.
 */
const EMBEDDED_SERVICE_KEY_VARS = { guardian: "STACKGUARD_EMBEDDED_GUARDIAN_API_KEY" };
const RETIRED_KEY_VARS = ["STACKGUARD_EMBEDDED_EDGE_API_KEY"];

function registerTsNode() {
  if (require.extensions[".ts"]) return;
  require(require.resolve("ts-node", { paths: [ROOT] })).register({ transpileOnly: true, project: path.join(ROOT, "tsconfig.json") });
}

/**
 * The variables a pulumi call needs with our offline build: the pinned CLI first on PATH, `pulumiHome` (a
 * PULUMI_HOME the caller owns: the project's, or a test's own) with our provider plugins linked into it, and no
 * network (no update checks, no plugin downloads). Shared by the wrapper and the integration tests.
 */
function toolEnv(binDir, pulumiHome) {
  // Providers go into the plugin cache at their exact versions: ambient lookup on PATH warns on every run.
  require("../toolchain").installProviderPlugins(binDir, pulumiHome);
  return {
    PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_HOME: pulumiHome,
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_NODEJS_TRANSPILE_ONLY: process.env.PULUMI_NODEJS_TRANSPILE_ONLY || "true",
  };
}

/** The project's own PULUMI_HOME: the only one our plugins are ever linked into by the wrapper. */
const PROJECT_PULUMI_HOME = path.join(STATE_DIR, "pulumi-home");

/**
 * The toolchain part of a pulumi invocation's env (see tools/scripts/toolchain.js for which toolchain is chosen):
 * - official: PATH and PULUMI_HOME are the user's, untouched (the official plugins live in their plugin cache);
 * - offline, PULUMI_HOME unset (or the project's): the project's own PULUMI_HOME with our plugins linked into it;
 * - offline, PULUMI_HOME set to another directory (the user's real one, e.g. holding their `pulumi login`): it is
 *   kept and never written to; the engine finds our plugins on PATH (it says "using … from $PATH").
 */
function toolchainEnv({ kind = "offline", binDir }, userHome = process.env.PULUMI_HOME) {
  const common = {
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_NODEJS_TRANSPILE_ONLY: process.env.PULUMI_NODEJS_TRANSPILE_ONLY || "true",
  };
  if (kind === "official") return common;
  if (!userHome || path.resolve(userHome) === PROJECT_PULUMI_HOME) return toolEnv(binDir, PROJECT_PULUMI_HOME);
  return { ...common, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`, PULUMI_HOME: userHome, PULUMI_IGNORE_AMBIENT_PLUGINS: "" };
}

/**
 * Builds the env for a pulumi invocation.
 * @param {{ toolchain?: { kind: "official" | "offline", binDir: string }, binDir?: string,
 *   render?: { apiUrl: string, apiKey: string, keys?: { edge?: string, guardian?: string } } }} opts `toolchain` is
 *   what ensureToolchain returned (`binDir` alone
 *   means our offline build)
 */
function pulumiEnv({ toolchain, binDir, render }) {
  const embedded = isEmbedded(process.env);
  const env = { ...process.env, ...toolchainEnv(toolchain ?? { kind: "offline", binDir }) };
  if (env.PULUMI_IGNORE_AMBIENT_PLUGINS === "") delete env.PULUMI_IGNORE_AMBIENT_PLUGINS;
  if (!env.PULUMI_BACKEND_URL) {
    const dir = path.join(STATE_DIR, "backend");
    fs.mkdirSync(dir, { recursive: true });
    env.PULUMI_BACKEND_URL = `file://${dir}`;
  }
  const localBackend = env.PULUMI_BACKEND_URL.startsWith("file://") && env.PULUMI_BACKEND_URL.includes(STATE_DIR);
  const hasPassphrase = env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined;
  if (!hasPassphrase && embedded && localBackend) env.PULUMI_CONFIG_PASSPHRASE = EMBEDDED_PASSPHRASE;
  for (const variable of RETIRED_KEY_VARS) delete env[variable];
  if (embedded) {
    if (!render) throw new SetupError("internal: embedded mode needs the simulator's address");
    env.RENDER_API_URL = render.apiUrl;
    env.RENDER_API_KEY = render.apiKey;
    env.STACKGUARD_EMBEDDED = "1";
    for (const [name, variable] of Object.entries(EMBEDDED_SERVICE_KEY_VARS)) {
      if (render.keys?.[name]) env[variable] = render.keys[name];
      else delete env[variable];
    }
  } else {
    for (const variable of Object.values(EMBEDDED_SERVICE_KEY_VARS)) delete env[variable];
    const access = env.STACKGUARD_RENDER_ACCESS;
    if (access !== undefined && access !== "" && access !== "none" && access !== "read") {
      throw new SetupError(
        `STACKGUARD_RENDER_ACCESS is '${access}': use 'none' (no Render key), 'read' (a read-only Viewer key in RENDER_API_KEY) or leave it unset (a key that can deploy).`,
      );
    }
    if (access === "read" && !env.RENDER_API_KEY) {
      throw new SetupError(
        "STACKGUARD_RENDER_ACCESS=read but RENDER_API_KEY is not set: give this step a read-only key (the API key of a Render user with the Viewer role; in CI the secret RENDER_READONLY_API_KEY of the <stack>-preview environment). A preview reads AlphaStack's services from Render, so it cannot run without one.",
      );
    }
    if (access === "none") {
      // A job that must hold no Render key and makes no Render call (not a preview: its `get`s read Render, see
      // `read` above). A key that leaked into the environment is dropped, so the program and providers never see one.
      delete env.RENDER_API_KEY;
    } else if (!env.RENDER_API_KEY) {
      throw new SetupError(
        "RENDER_API_URL is set but RENDER_API_KEY is not: export your Render API key (Account settings → API keys), unset RENDER_API_URL to use the embedded Render, or set STACKGUARD_RENDER_ACCESS=read with a read-only (Viewer) key for a preview.",
      );
    }
    delete env.STACKGUARD_EMBEDDED;
  }
  return env;
}

module.exports = {
  EMBEDDED_PASSPHRASE,
  EMBEDDED_SERVICE_KEY_VARS,
  PROJECT_PULUMI_HOME,
  isEmbedded,
  ensureEmbeddedRender,
  pulumiEnv,
  toolEnv,
  toolchainEnv,
  registerTsNode,
};
