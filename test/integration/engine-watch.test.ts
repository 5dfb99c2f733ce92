import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { engineAddress } from "../../infra/providers/engine-watch";

/**
 * The TrafficSwitch orphan watchdog under the official distribution's `pulumi-resource-pulumi-nodejs`, a `/bin/sh`
 * script that runs node as a child (test/fixtures/official-toolchain): the real @pulumi/pulumi dynamic provider, the
 * real TrafficSwitch implementation loaded through `lazyProvider`, and an "engine" process that is SIGKILLed. With the
 * old `process.ppid` watchdog the provider kept running (its parent, the shell, outlives the engine).
 */

const ROOT = path.resolve(__dirname, "..", "..");
const WRAPPER = path.join(ROOT, "test", "fixtures", "official-toolchain", "pulumi-resource-pulumi-nodejs");
const providerGrpc = require(path.join(ROOT, "node_modules", "@pulumi", "pulumi", "proto", "provider_grpc_pb.js"));
const providerPb = require(path.join(ROOT, "node_modules", "@pulumi", "pulumi", "proto", "provider_pb.js"));
const structPb = require(path.join(ROOT, "node_modules", "google-protobuf", "google", "protobuf", "struct_pb.js"));

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d;
      if (out.includes("\n")) resolve(out.split("\n")[0].trim());
    });
    child.on("exit", (code) => reject(new Error(`exited with ${code} before printing a line`)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("engine watch", () => {
  it("finds the engine address after the engine's logging and tracing flags", () => {
    expect(engineAddress(["--logtostderr", "-v=9", "--tracing", "127.0.0.1:6000", "127.0.0.1:41234"])).toEqual({ host: "127.0.0.1", port: 41234 });
    expect(engineAddress(["[::1]:5000"])).toEqual({ host: "::1", port: 5000 });
    expect(engineAddress(["--logtostderr"])).toBeUndefined();
  });

  it("a TrafficSwitch provider run by the official /bin/sh wrapper exits once the engine is killed", async () => {
    // The "engine": a process holding a listening gRPC port, as the pulumi CLI does for its plugins.
    const engine = spawn(
      process.execPath,
      ["-e", "require('net').createServer(s=>s.destroy()).listen(0,'127.0.0.1',function(){console.log(this.address().port)})"],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    children.push(engine);
    const enginePort = Number(await firstLine(engine));

    const wrapper = spawn(WRAPPER, [`127.0.0.1:${enginePort}`], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, STACKGUARD_EMBEDDED: "1" },
    });
    children.push(wrapper);
    let stderr = "";
    wrapper.stderr!.on("data", (d) => (stderr += d));
    const wrapperExit = new Promise<number | null>((r) => wrapper.on("exit", (code) => r(code)));
    const providerPort = Number(await firstLine(wrapper));

    // The node process is the shell's child (not exec'd): that is the case the old ppid watchdog missed.
    const nodePid = Number(fs.readFileSync(`/proc/${wrapper.pid}/task/${wrapper.pid}/children`, "utf8").trim().split(/\s+/)[0]);
    expect(nodePid).toBeGreaterThan(0);
    expect(fs.readFileSync(`/proc/${nodePid}/cmdline`, "utf8")).toContain("dynamic-provider");

    // Load the real TrafficSwitch implementation in that process, as a `check` of a switch resource does.
    const providerText =
      `exports.handler = () => { require(${JSON.stringify(path.join(ROOT, "node_modules", "ts-node"))}).register({ transpileOnly: true, project: ${JSON.stringify(path.join(ROOT, "tsconfig.json"))} });` +
      ` return require(${JSON.stringify(path.join(ROOT, "infra", "providers", "dynamic.ts"))}).lazyProvider("traffic-switch"); };`;
    const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${providerPort}`, grpc.credentials.createInsecure());
    const req = new providerPb.CheckRequest();
    req.setUrn("urn:pulumi:t::p::pulumi-nodejs:dynamic/stackguard:TrafficSwitch::api-switch");
    req.setOlds(structPb.Struct.fromJavaScript({}));
    req.setNews(structPb.Struct.fromJavaScript({ __provider: providerText, app: "api" }));
    const failures = await new Promise<string[]>((resolve, reject) =>
      client.check(req, { deadline: Date.now() + 60_000 }, (err: Error | null, res: { getFailuresList(): Array<{ getProperty(): string }> }) =>
        err ? reject(err) : resolve(res.getFailuresList().map((f) => f.getProperty())),
      ),
    );
    client.close();
    expect(failures.length).toBeGreaterThan(0); // the implementation ran its check (bad inputs on purpose)
    expect(alive(nodePid)).toBe(true);

    engine.kill("SIGKILL");
    const code = await wrapperExit; // the shell returns node's exit status
    expect(code).toBe(70);
    expect(alive(nodePid)).toBe(false);
    expect(stderr).not.toMatch(/Error/);
  }, 120_000);
});
