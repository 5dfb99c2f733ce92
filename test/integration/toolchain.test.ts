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
// eslint-disable-next-line @typescript-eslint/no-require-imports
const toolchain = require(path.join(ROOT, "tools", "scripts", "toolchain.js"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const languageGrpc = require(path.join(ROOT, "node_modules", "@pulumi", "pulumi", "proto", "language_grpc_pb.js"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const languagePb = require(path.join(ROOT, "node_modules", "@pulumi", "pulumi", "proto", "language_pb.js"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
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

beforeAll(async () => {
  // A cold build takes several minutes on a 2-core machine; `npm test` builds it before jest starts.
  tc = await toolchain.ensureToolchain({ log: () => {} });
}, 60 * 60 * 1000);

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
    const r = spawnSync(path.join(tc.binDir, "pulumi-resource-pulumi-nodejs"), ["127.0.0.1:1"], { cwd: tmp("sg-noproject-"), encoding: "utf8", timeout: 30_000 });
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
});
