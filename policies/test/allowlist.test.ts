import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readAllowlistFile } from "../config";
import { commandDigest, scriptsOf } from "../lib/commands";
import { ProtectedSet } from "../lib/protected";
import { alphaStackFrozen } from "../rules/alphastack";
import { Allowlist, productionResourceAllowlist } from "../rules/allowlist";
import { dynamicTypes } from "../scripts/allowlist";
import { providerDigest } from "../../infra/providers/provider-digest";
import { TYPES } from "../rules/types";
import { messages, res } from "./fixtures";

/** Issue 14 g: production's resource-type allowlist, command digests, provider code digests; scripts run by commands. */

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "sg-allowlist-"));
  fs.mkdirSync(path.join(root, "scripts"));
  fs.writeFileSync(path.join(root, "scripts", "warm.sh"), "curl -fsS https://api.example/warm\n");
  fs.writeFileSync(path.join(root, "scripts", "pause.sh"), "curl -X POST $RENDER_API_URL/services/srv-alphastackengine0000/suspend\n");
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const prod = { stack: "production", environment: "production" as const, dryRun: true };
const staging = { stack: "staging", environment: "staging" as const, dryRun: true };
const SVC = TYPES.service;
const list = (over: Partial<Allowlist> = {}): Allowlist => ({
  resourceTypes: [SVC, TYPES.localCommand],
  commands: [],
  providerDigests: { [SVC]: "sha256:" + "a".repeat(64) },
  ...over,
});

describe("command digests", () => {
  test("cover the command line and the repository scripts it names, by content", () => {
    const a = commandDigest({ create: "sh scripts/warm.sh" }, root);
    expect(a.scripts.map((s) => s.path)).toEqual(["scripts/warm.sh"]);
    expect(commandDigest({ create: "sh ./scripts/warm.sh" }, root).scripts.map((s) => s.path)).toEqual(["scripts/warm.sh"]);
    fs.writeFileSync(path.join(root, "scripts", "warm.sh"), "curl -fsS https://api.example/warm\nrm -rf /data\n");
    expect(commandDigest({ create: "sh scripts/warm.sh" }, root).digest).not.toBe(a.digest);
    fs.writeFileSync(path.join(root, "scripts", "warm.sh"), "curl -fsS https://api.example/warm\n");
    expect(commandDigest({ create: "sh scripts/warm.sh" }, root).digest).toBe(a.digest);
  });
  test("never read outside the project root", () => {
    expect(scriptsOf(["cat ../../etc/passwd /etc/hostname"], root)).toEqual([]);
  });
});

describe("production-resource-allowlist", () => {
  test("the committed allowlist knows every type the program uses and a digest per provider", () => {
    const a = readAllowlistFile();
    for (const t of Object.values(TYPES).filter((t) => t.startsWith("pulumi-nodejs:dynamic/"))) expect(a.resourceTypes).toContain(t);
    expect(Object.keys(a.providerDigests).length).toBeGreaterThanOrEqual(11);
  });
  test("the committed allowlist records the current provider code (else: run npm run allowlist and review the diff)", () => {
    const root = path.join(__dirname, "..", "..");
    const recorded = readAllowlistFile().providerDigests;
    const stale = Object.entries(dynamicTypes(root))
      .filter(([type, kind]) => recorded[type] !== providerDigest(root, kind))
      .map(([type]) => type);
    expect(stale).toEqual([]);
  });

  test("an unknown dynamic provider and an unknown type are refused in production only", () => {
    const adhoc = res("pulumi-nodejs:dynamic/ops:Adhoc", "x", {});
    expect(messages(productionResourceAllowlist(adhoc, list(), prod, root))[0]).toMatch(/must not use an unknown dynamic provider in production/);
    expect(messages(productionResourceAllowlist(res("aws:s3/bucket:Bucket", "b", {}), list(), prod, root))[0]).toMatch(
      /must not appear in production: its type aws:s3\/bucket:Bucket/,
    );
    expect(productionResourceAllowlist(adhoc, list(), staging, root).status).toBe("not-applicable");
  });
  test("a command needs an entry with the digest of what it runs", () => {
    const cmd = res(TYPES.localCommand, "warm", { create: "sh scripts/warm.sh" });
    expect(messages(productionResourceAllowlist(cmd, list(), prod, root))[0]).toMatch(/no entry for "warm" \(it runs scripts\/warm.sh\)/);
    const digest = commandDigest(cmd.props, root).digest;
    expect(productionResourceAllowlist(cmd, list({ commands: [{ name: "warm", sha256: digest }] }), prod, root)).toEqual({ status: "compliant" });
    expect(messages(productionResourceAllowlist(cmd, list({ commands: [{ name: "warm", sha256: "sha256:" + "0".repeat(64) }] }), prod, root))[0]).toMatch(
      /must run what its allowlist entry reviewed/,
    );
    const unknown = res(TYPES.localCommand, "warm", { create: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" });
    expect(messages(productionResourceAllowlist(unknown, list(), prod, root))[0]).toMatch(/known at preview/);
  });
  test("a changed provider digest is refused until the allowlist records it", () => {
    const ok = res(SVC, "api", { name: "api", stackguardProviderDigest: "sha256:" + "a".repeat(64) });
    expect(productionResourceAllowlist(ok, list(), prod, root)).toEqual({ status: "compliant" });
    expect(
      messages(productionResourceAllowlist({ ...ok, props: { ...ok.props, stackguardProviderDigest: "sha256:" + "b".repeat(64) } }, list(), prod, root))[0],
    ).toMatch(/runs changed provider code/);
    expect(messages(productionResourceAllowlist({ ...ok, props: { name: "api" } }, list(), prod, root))[0]).toMatch(/must record its provider code digest/);
  });
});

describe("alphastack-frozen reads the scripts commands run", () => {
  test("a script whose body suspends AlphaStack's engine is refused; a harmless one passes", () => {
    const s = { protectedSet: new ProtectedSet(), readOnlyUrls: [], pinnedUrns: new Set<string>(), projectRoot: root };
    expect(messages(alphaStackFrozen(res(TYPES.localCommand, "m", { create: "sh scripts/pause.sh" }), s))[0]).toMatch(
      /must not run a script that acts on AlphaStack production: scripts\/pause.sh mentions srv-alphastackengine0000/,
    );
    expect(alphaStackFrozen(res(TYPES.localCommand, "w", { create: "sh scripts/warm.sh" }), s)).toEqual({ status: "compliant" });
  });
});
