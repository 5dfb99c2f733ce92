import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";

/**
 * The offline toolchain (tools/scripts/toolchain.js) and what it builds, driven for real: the `pulumi` CLI, our Node.js
 * language host over gRPC, our providers through the real engine, and the dynamic-provider shim.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const toolchain = require(path.join(ROOT, "tools", "scripts", "toolchain.js"));
const languageGrpc = require(path.join(ROOT, "node_modules", "@pulumi", "pulumi", "proto", "language_grpc_pb.js"));
const languagePb = require(path.join(ROOT, "node_modules", "@pulumi", "pulumi", "proto", "language_pb.js"));
const emptyPb = require(path.join(ROOT, "node_modules", "google-protobuf", "google", "protobuf", "empty_pb.js"));

interface Toolchain {
  binDir: string;
  version: string;
  reused: boolean;
  env: Record<string, string>;
}

let tc: Toolchain;
const tmpDirs: string[] = [];

function tmp(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
}

/** An environment for the CLI that can never reach a network service or the developer's own PULUMI_HOME. */
function pulumiEnv(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PULUMI_HOME: home,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
  };
}

beforeAll(
  async () => {
    // A cold build takes several minutes on a 2-core machine; `npm test` builds it before jest starts.
    tc = await toolchain.ensureToolchain({ log: () => {} });
  },
  60 * 60 * 1000,
);

afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("toolchain", () => {
  it("reuses a verified toolchain on the second call", async () => {
    const again: Toolchain = await toolchain.ensureToolchain({ log: () => {} });
    expect(again.reused).toBe(true);
    expect(again.binDir).toBe(tc.binDir);
    expect(again.version).toBe("v3.248.0");
    for (const bin of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs", "pulumi-resource-random", "pulumi-resource-command"]) {
      expect(fs.statSync(path.join(tc.binDir, bin)).mode & 0o111).not.toBe(0);
    }
  });

  it("builds a `pulumi` that prints exactly v3.248.0", () => {
    const r = spawnSync(path.join(tc.binDir, "pulumi"), ["version"], { env: pulumiEnv(tmp("sg-home-")), encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("v3.248.0\n");
  });

  it("builds a language host that serves gRPC: plugin info v3.248.0 and the project's provider packages", async () => {
    const host = spawn(path.join(tc.binDir, "pulumi-language-nodejs"), [], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        host.stdout.on("data", (d: Buffer) => {
          out += d;
          const m = /^(\d+)\n/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        host.on("exit", (code) => reject(new Error(`language host exited with ${code} before printing its port`)));
      });
      const client = new languageGrpc.LanguageRuntimeClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      const call = <T>(method: string, req: unknown): Promise<T> =>
        new Promise((resolve, reject) =>
          client[method](req, { deadline: Date.now() + 20_000 }, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))),
        );

      const info = await call<{ getVersion(): string }>("getPluginInfo", new emptyPb.Empty());
      expect(info.getVersion()).toBe("v3.248.0");

      const req = new languagePb.GetRequiredPackagesRequest();
      req.setInfo(new languagePb.ProgramInfo().setRootDirectory(ROOT).setProgramDirectory(ROOT).setEntryPoint("."));
      const res = await call<{ getPackagesList(): Array<{ getName(): string; getKind(): string; getVersion(): string }> }>("getRequiredPackages", req);
      const pkgs = res.getPackagesList().map((p) => `${p.getKind()}:${p.getName()}@${p.getVersion()}`);
      expect(pkgs).toEqual(expect.arrayContaining(["resource:random@v4.21.1", "resource:command@v1.2.1"]));
      // The policy pack's own node_modules are not the program's dependencies.
      expect(pkgs.filter((p) => p.startsWith("resource:random@"))).toHaveLength(1);
      client.close();
    } finally {
      host.kill();
    }
  });

  it.each([
    ["random", "4.21.1", ["random:index/randomPassword:RandomPassword", "random:index/randomId:RandomId"]],
    ["command", "1.2.1", ["command:local:Command"]],
  ])("builds pulumi-resource-%s, which handshakes with the real engine and serves its schema at %s", (name, version, tokens) => {
    const r = spawnSync(path.join(tc.binDir, "pulumi"), ["package", "get-schema", path.join(tc.binDir, `pulumi-resource-${name}`)], {
      cwd: tmp("sg-schema-"),
      env: pulumiEnv(tmp("sg-home-")),
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.name).toBe(name);
    expect(schema.version).toBe(version);
    expect(Object.keys(schema.resources)).toEqual(expect.arrayContaining(tokens));
    if (name === "random") {
      expect(schema.resources["random:index/randomPassword:RandomPassword"].properties.result.secret).toBe(true);
    }
  });

  it("installs the providers into a PULUMI_HOME plugin cache at exactly the npm SDK versions", () => {
    const home = tmp("sg-home-");
    toolchain.installProviderPlugins(tc.binDir, home);
    toolchain.installProviderPlugins(tc.binDir, home); // idempotent
    const r = spawnSync(path.join(tc.binDir, "pulumi"), ["plugin", "ls", "--json"], { env: pulumiEnv(home), encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(0);
    const plugins = JSON.parse(r.stdout).map((p: { name: string; kind: string; version: string }) => `${p.kind}:${p.name}@${p.version}`);
    expect(plugins.sort()).toEqual(["resource:command@1.2.1", "resource:random@4.21.1"]);
  });

  it("the dynamic-provider shim fails with one clear sentence outside a project", () => {
    const r = spawnSync(path.join(tc.binDir, "pulumi-resource-pulumi-nodejs"), ["127.0.0.1:1"], {
      cwd: tmp("sg-noproject-"),
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("cannot find @pulumi/pulumi/cmd/dynamic-provider from");
    expect(r.stderr).toContain("npm ci");
  });

  it("the dynamic-provider shim starts the project's own dynamic provider, passing arguments through intact", async () => {
    const shim = spawn(path.join(tc.binDir, "pulumi-resource-pulumi-nodejs"), ["127.0.0.1:1"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        let out = "";
        shim.stdout.on("data", (d: Buffer) => {
          out += d;
          if (out.includes("\n")) resolve(out.split("\n")[0]);
        });
        shim.on("exit", (code) => reject(new Error(`shim exited with ${code}`)));
      });
      expect(firstLine).toMatch(/^\d+$/); // the provider's gRPC port, as the engine expects
    } finally {
      shim.kill();
    }
  });

  it("never takes a half-built cache entry, and says in one sentence when Go is missing", () => {
    const cache = tmp("sg-cache-");
    const key: string = toolchain.cacheKey();
    const root = path.join(cache, "stackguard", "toolchain");
    // A broken published entry (one binary missing) and a partial build of a dead process.
    fs.cpSync(tc.binDir, path.join(root, key, "bin"), { recursive: true });
    fs.rmSync(path.join(root, key, "bin", "pulumi-resource-command"));
    fs.mkdirSync(path.join(root, `${key}.partial-999999`, "bin"), { recursive: true });
    const nodeOnly = tmp("sg-path-");
    fs.symlinkSync(process.execPath, path.join(nodeOnly, "node"));

    const r = spawnSync(process.execPath, [path.join(ROOT, "tools", "scripts", "toolchain.js"), "--print-bin"], {
      env: { ...process.env, PATH: nodeOnly, STACKGUARD_CACHE: cache },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(""); // no bin dir printed: the broken entry was not reused
    const error = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(error).toHaveLength(1);
    expect(error[0]).toMatch(/^error: Go ≥1\.25 is required: install it \(e\.g\. apt-get install golang\) and re-run \(full log: .+\.log\)$/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(fs.existsSync(path.join(root, `${key}.partial-999999`))).toBe(false);
    expect(fs.existsSync(path.join(root, `${key}.lock`))).toBe(false);
  });

  describe("the official distribution", () => {
    /**
     * An install laid out like the official one: `pulumi` v3.248.0 with the bundled Node.js plugins beside it (the
     * dynamic-provider plugin being the official /bin/sh script, which exits 0 and has no -version), and random 4.21.1
     * and command 1.2.1 installed as real files in the user's own PULUMI_HOME, as `pulumi plugin install` leaves them
     * (our binaries stand in for the official ones, which cannot be downloaded here; nothing asks them for -version).
     */
    function officialInstall(): { bin: string; home: string } {
      const bin = tmp("sg-official-bin-");
      fs.copyFileSync(path.join(tc.binDir, "pulumi"), path.join(bin, "pulumi"));
      fs.copyFileSync(path.join(tc.binDir, "pulumi-language-nodejs"), path.join(bin, "pulumi-language-nodejs"));
      fs.copyFileSync(
        path.join(ROOT, "test", "fixtures", "official-toolchain", "pulumi-resource-pulumi-nodejs"),
        path.join(bin, "pulumi-resource-pulumi-nodejs"),
      );
      for (const f of fs.readdirSync(bin)) fs.chmodSync(path.join(bin, f), 0o755);
      fs.symlinkSync(process.execPath, path.join(bin, "node"));
      const home = tmp("sg-user-home-");
      for (const [name, version] of [
        ["random", "4.21.1"],
        ["command", "1.2.1"],
      ]) {
        const dir = path.join(home, "plugins", `resource-${name}-v${version}`);
        fs.mkdirSync(dir, { recursive: true });
        fs.copyFileSync(path.join(tc.binDir, `pulumi-resource-${name}`), path.join(dir, `pulumi-resource-${name}`));
        fs.chmodSync(path.join(dir, `pulumi-resource-${name}`), 0o755);
      }
      return { bin, home };
    }
    const toolchainCli = (env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, [path.join(ROOT, "tools", "scripts", "toolchain.js"), "--print-bin"], { env, encoding: "utf8", timeout: 120_000 });

    it("is detected and used as is: no build, no -version asked of its plugins, its plugins untouched", () => {
      const { bin, home } = officialInstall();
      const before = fs.statSync(path.join(home, "plugins", "resource-command-v1.2.1", "pulumi-resource-command"));
      // An empty cache and no Go on PATH: the offline build could not be used or made.
      const r = toolchainCli({ ...process.env, PATH: bin, PULUMI_HOME: home, STACKGUARD_CACHE: tmp("sg-cache-"), STACKGUARD_TOOLCHAIN: "" });
      expect(r.stderr).not.toMatch(/error/);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(bin);
      expect(r.stderr).toContain(`using the official Pulumi v3.248.0 on PATH (${bin}, plugins from ${home})`);
      const after = fs.lstatSync(path.join(home, "plugins", "resource-command-v1.2.1", "pulumi-resource-command"));
      expect(after.isSymbolicLink()).toBe(false);
      expect(after.mtimeMs).toBe(before.mtimeMs);
    });

    it("the wrapper's env keeps the official PATH and the user's PULUMI_HOME, and links nothing into it", () => {
      const { bin, home } = officialInstall();
      const { toolchainEnv } = require(path.join(ROOT, "tools", "scripts", "lib", "pulumi-env.js"));
      const env = toolchainEnv({ kind: "official", binDir: bin }, home);
      expect(env.PATH).toBeUndefined();
      expect(env.PULUMI_HOME).toBeUndefined();
      expect(env.PULUMI_IGNORE_AMBIENT_PLUGINS).toBeUndefined();
      expect(fs.readdirSync(path.join(home, "plugins")).sort()).toEqual(["resource-command-v1.2.1", "resource-random-v4.21.1"]);
    });

    it("with our offline build, a user's own PULUMI_HOME is kept and never re-linked (helpers used to replace its plugins)", () => {
      const { home } = officialInstall();
      const plugin = path.join(home, "plugins", "resource-random-v4.21.1", "pulumi-resource-random");
      const bytes = fs.readFileSync(plugin).length;
      const { toolchainEnv, pulumiEnv } = require(path.join(ROOT, "tools", "scripts", "lib", "pulumi-env.js"));
      const env = toolchainEnv({ kind: "offline", binDir: tc.binDir }, home);
      expect(env.PULUMI_HOME).toBe(home);
      expect(env.PATH.split(path.delimiter)[0]).toBe(tc.binDir); // our plugins come from PATH instead
      const saved = process.env.PULUMI_HOME;
      process.env.PULUMI_HOME = home;
      try {
        // What every helper (gate, rollback, deploy report, db:restore) runs through.
        const full = pulumiEnv({ toolchain: { kind: "offline", binDir: tc.binDir }, render: { apiUrl: "http://127.0.0.1:1/v1", apiKey: "rnd_x" } });
        expect(full.PULUMI_HOME).toBe(home);
        expect(full.PULUMI_IGNORE_AMBIENT_PLUGINS).toBeUndefined();
      } finally {
        if (saved === undefined) delete process.env.PULUMI_HOME;
        else process.env.PULUMI_HOME = saved;
      }
      expect(fs.lstatSync(plugin).isSymbolicLink()).toBe(false);
      expect(fs.readFileSync(plugin).length).toBe(bytes);
      // Even asked directly, the installer never replaces a plugin that is a real file.
      toolchain.installProviderPlugins(tc.binDir, home);
      expect(fs.lstatSync(plugin).isSymbolicLink()).toBe(false);
    });

    it("STACKGUARD_TOOLCHAIN=official fails with one sentence when the pulumi on PATH is not 3.248.0", () => {
      const bin = tmp("sg-old-pulumi-");
      fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\necho v3.100.0\n", { mode: 0o755 });
      fs.symlinkSync(process.execPath, path.join(bin, "node"));
      const r = toolchainCli({
        ...process.env,
        PATH: `${bin}${path.delimiter}/usr/bin${path.delimiter}/bin`,
        STACKGUARD_TOOLCHAIN: "official",
        STACKGUARD_CACHE: tmp("sg-cache-"),
      });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toBe(
        `error: STACKGUARD_TOOLCHAIN=official but the \`pulumi\` on PATH (${bin}) is v3.100.0, not v3.248.0: install Pulumi v3.248.0 and \`pulumi plugin install resource random 4.21.1\` and \`pulumi plugin install resource command 1.2.1\`, or set STACKGUARD_TOOLCHAIN=offline`,
      );
    });

    it("STACKGUARD_TOOLCHAIN with another value is refused, naming the allowed ones", () => {
      const r = toolchainCli({ ...process.env, STACKGUARD_TOOLCHAIN: "latest" });
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(
        'error: STACKGUARD_TOOLCHAIN is "latest": set it to official (the Pulumi v3.248.0 on PATH), offline (stackguard\'s own build) or leave it unset to detect',
      );
    });
  });
});
