/**
 * The one switch between the official Pulumi distribution and the offline build (repository variable
 * STACKGUARD_TOOLCHAIN), and .github/scripts/install-official-pulumi.sh, run for real against a release laid out
 * on disk (curl reads file:// URLs): checksum verification, PATH, plugins, idempotency.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { interpolate } from "../../support/workflow-steps";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const SCRIPT = path.join(ROOT, ".github/scripts/install-official-pulumi.sh");
const DIR = path.join(ROOT, ".github", "workflows");
const workflows: Record<string, any> = Object.fromEntries(
  fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith(".yml"))
    .map((f) => [f, YAML.parse(fs.readFileSync(path.join(DIR, f), "utf8"))]),
);
const pins = () => {
  const src = fs.readFileSync(SCRIPT, "utf8");
  return {
    pulumi: /^PULUMI_VERSION=(\S+)/m.exec(src)![1],
    plugins: /^PLUGINS=\(([^)]*)\)/m
      .exec(src)![1]
      .match(/"[^"]+"/g)!
      .map((p) => p.slice(1, -1)),
  };
};

describe("STACKGUARD_TOOLCHAIN: one switch, official unless set", () => {
  it("every job that needs pulumi installs the official one only when the switch says so, then runs npm run toolchain", () => {
    const users = Object.entries(workflows).flatMap(([file, wf]) =>
      Object.entries(wf.jobs as Record<string, any>)
        .filter(([, j]) => (j.steps ?? []).some((s: any) => /npm run toolchain/.test(s.run ?? "")))
        .map(([id, job]) => ({ file, id, job, wf })),
    );
    expect(users.map(({ file, id }) => `${file}/${id}`).sort()).toEqual([
      "drift.yml/drift",
      "pr.yml/preview",
      "pr.yml/test",
      "promote.yml/plan-production",
      "promote.yml/production",
      "promote.yml/staging",
      "rollback.yml/rollback",
    ]);
    for (const { file, id, job, wf } of users) {
      const at = `${file}/${id}`;
      expect({ at, switch: wf.env.STACKGUARD_TOOLCHAIN }).toEqual({ at, switch: "${{ vars.STACKGUARD_TOOLCHAIN || 'official' }}" });
      const steps = job.steps as any[];
      const setup = steps.findIndex((s) => s.uses === "./.github/actions/setup");
      const official = steps.findIndex((s) => s.run === ".github/scripts/install-official-pulumi.sh");
      const build = steps.findIndex((s) => /npm run toolchain/.test(s.run ?? ""));
      expect({ at, order: setup < official && official < build }).toEqual({ at, order: true });
      expect({ at, with: steps[setup].with?.toolchain, if: steps[official].if }).toEqual({
        at,
        with: "${{ env.STACKGUARD_TOOLCHAIN }}",
        if: "env.STACKGUARD_TOOLCHAIN == 'official'",
      });
    }
    const ctx = (vars: Record<string, string>) => ({ contexts: { vars }, failed: false });
    expect(interpolate(workflows["pr.yml"].env.STACKGUARD_TOOLCHAIN, ctx({}))).toBe("official");
    expect(interpolate(workflows["pr.yml"].env.STACKGUARD_TOOLCHAIN, ctx({ STACKGUARD_TOOLCHAIN: "offline" }))).toBe("offline");
  });

  it("the setup action sets up Go and the build cache only for the offline build (or actionlint), ~/.pulumi's cache for the official one", () => {
    const action = YAML.parse(fs.readFileSync(path.join(ROOT, ".github/actions/setup/action.yml"), "utf8"));
    const step = (re: RegExp) => (action.runs.steps as any[]).find((s) => re.test(s.uses ?? "") && (s.with?.path ?? "") !== "~/.pulumi");
    expect(step(/setup-go/).if).toBe("inputs.toolchain == 'offline' || inputs.go == 'true'");
    const pulumiCache = (action.runs.steps as any[]).find((s) => s.with?.path === "~/.pulumi");
    expect(pulumiCache.if).toBe("inputs.toolchain == 'official'");
  });

  it("the official install pins the versions the offline build pins", () => {
    const p = pins();
    const gomod = fs.readFileSync(path.join(ROOT, "tools/pulumi-cli/go.mod"), "utf8");
    expect(gomod).toMatch(new RegExp(`github\\.com/pulumi/pulumi/pkg/v3 v${p.pulumi.replace(/\./g, "\\.")}\\b`));
    const toolchain = fs.readFileSync(path.join(ROOT, "tools/scripts/toolchain.js"), "utf8");
    for (const plugin of p.plugins) {
      const [name, version] = plugin.split(" ");
      expect(toolchain).toContain(`{ name: "${name}", version: "${version}" }`);
    }
    expect(p.plugins.map((x) => x.split(" ")[0]).sort()).toEqual(["command", "random"]);
  });
});

describe("install-official-pulumi.sh (against a release on disk)", () => {
  const arch = ({ x64: "linux-x64", arm64: "linux-arm64" } as Record<string, string>)[os.arch()];
  const version = pins().pulumi;
  let work: string;

  /** A release directory like GitHub's: the CLI tarball (a fake `pulumi` that records its calls) and the checksums. */
  function release(tamper = false): string {
    const rel = path.join(work, "releases");
    const dir = path.join(rel, `v${version}`);
    const stage = path.join(work, "stage", "pulumi");
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(stage, { recursive: true });
    fs.writeFileSync(
      path.join(stage, "pulumi"),
      `#!/bin/sh\nif [ "$1" = version ]; then echo v${version}; exit 0; fi\necho "PULUMI_HOME=$PULUMI_HOME $*" >>"${work}/calls"\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(stage, "pulumi-language-nodejs"), "#!/bin/sh\n", { mode: 0o755 });
    const tarball = `pulumi-v${version}-${arch}.tar.gz`;
    expect(spawnSync("tar", ["-czf", path.join(dir, tarball), "-C", path.join(work, "stage"), "pulumi"]).status).toBe(0);
    const sha = createHash("sha256")
      .update(fs.readFileSync(path.join(dir, tarball)))
      .digest("hex");
    fs.writeFileSync(
      path.join(dir, `pulumi-${version}-checksums.txt`),
      `${tamper ? "0".repeat(64) : sha}  ${tarball}\n${"1".repeat(64)}  pulumi-v${version}-windows-x64.zip\n`,
    );
    return `file://${rel}`;
  }
  const run = (releases: string) =>
    spawnSync("bash", [SCRIPT], {
      cwd: ROOT,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", HOME: work, GITHUB_PATH: path.join(work, "github_path"), STACKGUARD_PULUMI_RELEASES: releases },
    });

  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "sg-official-"));
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  (arch ? it : it.skip)("installs the CLI into ~/.pulumi/bin after checking its sha256, puts it on PATH and installs the official plugins", () => {
    const r = run(release());
    expect({ code: r.status, err: r.stderr }).toEqual({ code: 0, err: "" });
    const bin = path.join(work, ".pulumi", "bin");
    expect(fs.existsSync(path.join(bin, "pulumi-language-nodejs"))).toBe(true);
    expect(fs.readFileSync(path.join(work, "github_path"), "utf8")).toBe(`${bin}\n`);
    const home = path.join(work, ".pulumi");
    expect(fs.readFileSync(path.join(work, "calls"), "utf8").trim().split("\n")).toEqual(
      pins().plugins.map((p) => `PULUMI_HOME=${home} plugin install resource ${p} --non-interactive`),
    );
    // Again, with the release gone (a cache restore): the CLI is kept as is, nothing is downloaded.
    fs.rmSync(path.join(work, "releases"), { recursive: true });
    const again = run(`file://${path.join(work, "releases")}`);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`pulumi v${version} already in ${bin} (cache)`);
  });

  (arch ? it : it.skip)("refuses a tarball whose sha256 is not the release's, installing nothing", () => {
    const r = run(release(true));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`pulumi-v${version}-${arch}.tar.gz does not match the sha256 in pulumi-${version}-checksums.txt of the release: not installed.`);
    expect(fs.existsSync(path.join(work, ".pulumi", "bin", "pulumi"))).toBe(false);
  });
});
