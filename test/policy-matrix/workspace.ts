/**
 * One worker's project copy (`PulumiProject`: its own file backend and PULUMI_HOME) in which scenarios run one at a
 * time. A scenario is applied (program, files, stack config, policy config), run, then undone, so the next one
 * starts from the project as committed. Previews never write state; the pin stack's state is re-imported before
 * each of its scenarios, since some change it first (`pulumi state unprotect`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { validatePackConfigFile } from "../../policies/pack/validate-config";
import { PulumiProject, PulumiResult, ROOT } from "../support/pulumi-project";
import type { PinState } from "./pins";
import { MatrixStack, PIN_STACK, PIN_TYPE, Scenario } from "./scenarios";

/** What one run of a scenario gave. */
export interface RunResult extends PulumiResult {
  ms: number;
  /** The `--policy-pack-config` file used (absent without the pack). */
  packConfigFile?: string;
  /** For `up`: resources in the stack's state afterwards (a refused `up` must leave none). */
  resourcesAfter?: number;
}

/** Policies that take a `baseline` setting (policies/config.ts): the pin scenarios pass theirs inline to each. */
const BASELINE_POLICIES = [
  "alphastack-frozen",
  "alphastack-references-pinned",
  "alphastack-references-present",
  "alphastack-baseline-signed",
  "environment-isolation",
];

/** The environment whose committed policy config a stack uses. */
const environmentOf = (stack: MatrixStack): "staging" | "production" => (stack === "staging" ? "staging" : "production");

export class Workspace {
  private readonly stackFiles = new Map<string, string>();
  private pinStackReady = false;

  private constructor(
    readonly project: PulumiProject,
    readonly id: number,
  ) {}

  /** A project copy with the staging and production stacks created (no state). */
  static async create(id: number, render: { apiUrl: string; apiKey: string }): Promise<Workspace> {
    const ws = new Workspace(await PulumiProject.create({ render }), id);
    fs.mkdirSync(ws.matrixDir, { recursive: true });
    for (const stack of ["staging", "production"]) {
      await ws.project.selectStack(stack);
      ws.stackFiles.set(stack, fs.readFileSync(ws.stackFile(stack), "utf8")); // with the salt `stack init` wrote
    }
    return ws;
  }

  get dir(): string {
    return this.project.dir;
  }

  private get matrixDir(): string {
    return path.join(this.dir, ".matrix");
  }

  private stackFile(stack: string): string {
    return path.join(this.dir, `Pulumi.${stack}.yaml`);
  }

  /** Makes the pin stack exist in this copy with the setup's state (re-imported every time). */
  private async loadPinState(pins: PinState): Promise<void> {
    fs.writeFileSync(this.stackFile(PIN_STACK), pins.stackYaml);
    if (!this.pinStackReady) {
      await this.project.selectStack(PIN_STACK);
      fs.writeFileSync(this.stackFile(PIN_STACK), pins.stackYaml); // keep the setup's salt
      this.stackFiles.set(PIN_STACK, pins.stackYaml);
      this.pinStackReady = true;
    }
    const r = await this.project.run(["stack", "import", "--stack", PIN_STACK, "--file", pins.stateFile]);
    if (r.code !== 0) throw new Error(`stack import of ${PIN_STACK} failed: ${r.stderr}${r.stdout}`);
  }

  /** The scenario's `--policy-pack-config`: the committed one of its environment, its overrides, this copy's migrations root, and the pin baseline. */
  private writePackConfig(s: Scenario, pins: PinState | undefined): string {
    const base = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", `${environmentOf(s.stack)}.json`), "utf8")) as Record<string, unknown>;
    const entry = (name: string): Record<string, unknown> => {
      const v = base[name];
      return typeof v === "string" ? { enforcementLevel: v } : { ...((v as Record<string, unknown>) ?? {}) };
    };
    for (const [name, settings] of Object.entries(s.packConfig ?? {})) base[name] = { ...entry(name), ...settings };
    // The pack lints the SQL of the project it previews: this copy, not the repository it was copied from.
    base["migrations-backward-compatible"] = { ...entry("migrations-backward-compatible"), projectRoot: this.dir };
    // …and the scripts commands run (alphastack-frozen scans them; the allowlist hashes them) are this copy's too.
    base["alphastack-frozen"] = { ...entry("alphastack-frozen"), projectRoot: this.dir };
    base["production-resource-allowlist"] = { ...entry("production-resource-allowlist"), projectRoot: this.dir };
    if (s.stack === PIN_STACK) {
      if (!pins) throw new Error(`${s.name}: the pin stack's state is not ready`);
      for (const name of BASELINE_POLICIES) base[name] = { ...entry(name), baseline: pins.baseline };
      // The pin stack's marker resource is a test-only dynamic type.
      base["production-resource-allowlist"] = { ...entry("production-resource-allowlist"), extraTypes: [PIN_TYPE] };
    }
    s.packConfigEdit?.(base);
    const file = path.join(this.matrixDir, `${s.name}.pack.json`);
    fs.writeFileSync(file, `${JSON.stringify(base, null, 2)}\n`);
    // The engine would silently ignore an unknown policy name. Scenarios that lower the pack's own config skip this
    // (npm run gate refuses such a file): they show that the pack enforces its mandatory policies anyway.
    if (!s.unvalidatedPackConfig) validatePackConfigFile(file);
    return file;
  }

  /** Applies the scenario, runs `pulumi preview` (or `up`) with or without the pack, and undoes the scenario. */
  async run(s: Scenario, opts: { pack: boolean; pins?: PinState }): Promise<RunResult> {
    const touched = new Map<string, string | undefined>();
    try {
      if (s.stack === PIN_STACK) {
        if (!opts.pins) throw new Error(`${s.name}: the pin stack's state is not ready`);
        await this.loadPinState(opts.pins);
      }
      for (const cmd of s.before ?? []) {
        const r = await this.project.run([...cmd, "--stack", s.stack]);
        if (r.code !== 0) throw new Error(`${s.name}: pulumi ${cmd.join(" ")} failed: ${r.stderr}${r.stdout}`);
      }
      if (s.config) this.project.editConfig(s.stack, s.config);
      this.project.setScenario(s.program);
      for (const [rel, content] of Object.entries(s.files ?? {})) {
        const file = path.join(this.dir, rel);
        const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
        touched.set(file, current);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, typeof content === "function" ? content(current ?? "") : content);
      }
      const packConfigFile = opts.pack ? this.writePackConfig(s, opts.pins) : undefined;
      const command = s.command ?? "preview";
      const args = [
        command,
        "--stack",
        s.stack,
        "--json",
        ...(command === "up" ? ["--yes", "--skip-preview"] : []),
        ...(packConfigFile ? ["--policy-pack", path.join(ROOT, "policies"), "--policy-pack-config", packConfigFile] : []),
      ];
      const started = Date.now();
      const r = await this.project.run(args, { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true", ...s.env }, 10 * 60_000);
      const ms = Date.now() - started;
      let resourcesAfter: number | undefined;
      if (command === "up") {
        const exported = await this.project.run(["stack", "export", "--stack", s.stack]);
        resourcesAfter = exported.code === 0 ? (JSON.parse(exported.stdout).deployment?.resources ?? []).length : -1;
      }
      return { ...r, ms, packConfigFile, resourcesAfter };
    } finally {
      this.project.setScenario(undefined);
      for (const [file, content] of touched) {
        if (content === undefined) fs.rmSync(file, { force: true });
        else fs.writeFileSync(file, content);
      }
      for (const dir of ["migrations", "db"]) {
        if (!fs.existsSync(path.join(ROOT, dir))) fs.rmSync(path.join(this.dir, dir), { recursive: true, force: true });
      }
      const original = this.stackFiles.get(s.stack);
      if (original !== undefined) fs.writeFileSync(this.stackFile(s.stack), original);
    }
  }

  dispose(): void {
    this.project.dispose();
  }
}
