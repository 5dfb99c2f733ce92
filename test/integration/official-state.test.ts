import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * State portability between the official plugins and ours (both register as random 4.21.1 and command 1.2.1, so the
 * engine cannot tell them apart): a stack written by the official ones (test/fixtures/official-state/resources.json)
 * is imported, then previewed, refreshed and updated with ours: no failure, no change, nothing rewritten. Resources
 * our plugins create are then compared with the official ones field for field (keys, secretness, __meta, raw state
 * delta, id format, inputs). Real `pulumi` engine and plugins of the pinned toolchain.
 */

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, "..", "..");
const FIXTURE = path.join(ROOT, "test", "fixtures", "official-state");
const SIG = "4dabf18193072939515e22adb298388d";
const { toolEnv, EMBEDDED_PASSPHRASE } = require(path.join(ROOT, "tools", "scripts", "lib", "pulumi-env"));

const key = crypto.pbkdf2Sync(EMBEDDED_PASSPHRASE, Buffer.from("CDvCRPRCqko=", "base64"), 1000000, 32, "sha256");
function decrypt(ciphertext: string): unknown {
  const [, nonce, body] = ciphertext.split(":");
  const buf = Buffer.from(body, "base64");
  const d = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(nonce, "base64"));
  d.setAuthTag(buf.subarray(buf.length - 16));
  return JSON.parse(Buffer.concat([d.update(buf.subarray(0, buf.length - 16)), d.final()]).toString());
}

/** A state value with its secrets opened: `{ $secret: value }` (from ciphertext or an export's plaintext). */
function reveal(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reveal);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SIG] === "1b47061264138c4ac30d75fd1eb44270") {
      const inner = typeof o.ciphertext === "string" ? decrypt(o.ciphertext) : JSON.parse(String(o.plaintext));
      return { $secret: reveal(inner) };
    }
    return Object.fromEntries(Object.entries(o).map(([k, e]) => [k, reveal(e)]));
  }
  return v;
}

/** The shape of a revealed value: types and secretness, with the values of random fields left out. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, shape(e)]));
  return v === null ? null : typeof v;
}

interface StateResource {
  urn: string;
  id?: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

describe("state written by the official random and command plugins", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-official-state-"));
  let env: NodeJS.ProcessEnv;
  const official: StateResource[] = JSON.parse(fs.readFileSync(path.join(FIXTURE, "resources.json"), "utf8"));
  const byName = (rs: StateResource[], name: string) => {
    const r = rs.find((x) => x.urn.endsWith(`::${name}`));
    if (!r) throw new Error(`no resource ${name} in ${rs.map((x) => x.urn).join(", ")}`);
    return r;
  };

  const pulumi = (args: string[], extra: Record<string, string> = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn("pulumi", [...args, "--non-interactive"], { cwd: dir, env: { ...env, ...extra } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  const exported = async (): Promise<StateResource[]> => {
    const r = await pulumi(["stack", "export", "--show-secrets", "--stack", "staging"]);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout).deployment.resources;
  };

  beforeAll(async () => {
    const binDir =
      process.env.STACKGUARD_PULUMI_BIN_DIR ?? (await require(path.join(ROOT, "tools", "scripts", "toolchain")).ensureToolchain({ log: () => {} })).binDir;
    for (const f of ["Pulumi.yaml", "Pulumi.staging.yaml", "index.js"]) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    fs.mkdirSync(path.join(dir, ".backend"));
    env = {
      ...process.env,
      ...toolEnv(binDir, path.join(dir, ".pulumi-home")),
      PULUMI_BACKEND_URL: `file://${path.join(dir, ".backend")}`,
      PULUMI_CONFIG_PASSPHRASE: EMBEDDED_PASSPHRASE,
    };
    expect((await pulumi(["stack", "init", "staging"])).code).toBe(0);
    // The official stack: this stack's own manifest and secrets provider, the official plugins' resources.
    const blank = await pulumi(["stack", "export", "--stack", "staging"]);
    const deployment = JSON.parse(blank.stdout);
    deployment.deployment.resources = official;
    fs.writeFileSync(path.join(dir, "official.json"), JSON.stringify(deployment));
    const imported = await pulumi(["stack", "import", "--file", "official.json", "--stack", "staging"]);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("previews, refreshes and updates with our plugins: no failure, no change, no value rewritten", async () => {
    for (const args of [
      ["preview", "--diff", "--expect-no-changes"],
      ["refresh", "--yes", "--expect-no-changes"],
      ["up", "--yes", "--expect-no-changes"],
    ]) {
      const r = await pulumi([...args, "--stack", "staging"]);
      expect({ args, out: r.stdout + r.stderr }).not.toEqual({ args, out: expect.stringMatching(/error|failures decoding|Unrecognized field/) });
      expect(r.code).toBe(0);
    }
    const after = await exported();
    for (const name of ["edge-admin-token", "suffix", "hello"]) {
      const was = byName(official, name);
      const now = byName(after, name);
      expect({ name, id: now.id, inputs: now.inputs, outputs: reveal(now.outputs) }).toEqual({
        name,
        id: was.id,
        inputs: was.inputs,
        outputs: reveal(was.outputs),
      });
    }
  });

  it("what our plugins create has the official state's fields, secrets, __meta, raw state delta and id format", async () => {
    const r = await pulumi(["up", "--yes", "--stack", "staging"], { STACKGUARD_FIXTURE_FRESH: "1" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const after = await exported();
    for (const [theirs, ours] of [
      ["edge-admin-token", "fresh-token"],
      ["suffix", "fresh-suffix"],
      ["hello", "fresh-hello"],
    ]) {
      const o = byName(official, theirs);
      const n = byName(after, ours);
      const oOut = reveal(o.outputs) as Record<string, any>;
      const nOut = reveal(n.outputs) as Record<string, any>;
      expect({ ours, inputs: n.inputs }).toEqual({ ours, inputs: o.inputs });
      expect({ ours, shape: shape(nOut) }).toEqual({ ours, shape: shape(oOut) });
      // Values that are not random are equal; so are the meta and the raw state delta.
      const fixed = (out: Record<string, any>) =>
        Object.fromEntries(Object.entries(out).filter(([k]) => !["result", "bcryptHash", "id", "b64Std", "b64Url", "dec", "hex"].includes(k)));
      expect({ ours, fixed: fixed(nOut) }).toEqual({ ours, fixed: fixed(oOut) });
    }
    expect(byName(after, "fresh-token").id).toBe("none");
    expect(byName(after, "fresh-suffix").id).toMatch(/^[A-Za-z0-9_-]{6}$/);
    expect(byName(after, "fresh-hello").id).toMatch(/^fresh-hello[0-9a-f]{8}$/);
    const pw = reveal(byName(after, "fresh-token").outputs) as Record<string, any>;
    expect(pw.bcryptHash.$secret).toMatch(/^\$2a\$10\$/);
    expect(pw.result.$secret).toHaveLength(48);
  });
});
