import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";

/** The repository root. */
export const ROOT = path.resolve(__dirname, "..", "..");

/** What a pulumi invocation printed and how it ended. */
export interface PulumiResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link PulumiProject.create}. */
export interface ProjectOptions {
  /**
   * Render API base URL (`…/v1`) and key the providers use (usually an in-process simulator's: pass it whole), and
   * the seeded edge and guardian users' keys the program gives those services (without them they get none).
   */
  render: { apiUrl: string; apiKey: string; keys?: { edge?: string; guardian?: string } };
  /** Extra env for every pulumi call. */
  env?: Record<string, string>;
}

const COPIED = ["Pulumi.yaml", "package.json", "tsconfig.json", "stacks", "infra", "apps"];

/**
 * A throwaway copy of the Pulumi project in a temp dir, with its own file backend and PULUMI_HOME, driving the real
 * `pulumi` CLI of the pinned toolchain. Each test gets its own so that stacks, state and config files never collide
 * with the developer's `.stackguard/` or with other tests.
 */
export class PulumiProject {
  /** `env`: what every pulumi call of this project runs with (tests that spawn pulumi themselves, e.g. to kill it, reuse it). */
  private constructor(
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  static async create(opts: ProjectOptions): Promise<PulumiProject> {
    const binDir =
      process.env.STACKGUARD_PULUMI_BIN_DIR ?? (await require(path.join(ROOT, "tools", "scripts", "toolchain")).ensureToolchain({ log: () => {} })).binDir;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-it-"));
    for (const entry of COPIED) {
      const from = path.join(ROOT, entry);
      if (fs.existsSync(from)) fs.cpSync(from, path.join(dir, entry), { recursive: true });
    }
    for (const f of fs.readdirSync(ROOT)) {
      if (/^Pulumi\..+\.yaml$/.test(f)) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    fs.symlinkSync(path.join(ROOT, "policies"), path.join(dir, "policies"));
    fs.mkdirSync(path.join(dir, ".backend"));
    const { toolEnv, EMBEDDED_PASSPHRASE, EMBEDDED_SERVICE_KEY_VARS } = require(path.join(ROOT, "tools", "scripts", "lib", "pulumi-env"));
    const serviceKeys = Object.fromEntries(
      Object.entries(EMBEDDED_SERVICE_KEY_VARS as Record<string, string>).flatMap(([name, variable]) => {
        const key = opts.render.keys?.[name as "edge" | "guardian"];
        return key ? [[variable, key]] : [];
      }),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...toolEnv(binDir, path.join(dir, ".pulumi-home")),
      PULUMI_BACKEND_URL: `file://${path.join(dir, ".backend")}`,
      PULUMI_CONFIG_PASSPHRASE: EMBEDDED_PASSPHRASE,
      RENDER_API_URL: opts.render.apiUrl,
      RENDER_API_KEY: opts.render.apiKey,
      STACKGUARD_EMBEDDED: "1",
      ...serviceKeys,
      ...opts.env,
    };
    return new PulumiProject(dir, env);
  }

  /**
   * Runs `pulumi <args>` in the project copy. Never throws on a non-zero exit: assert on `code`. `input` is written to
   * its stdin (how a secret reaches `pulumi config set --secret` without being on the command line).
   */
  run(args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 300_000, input?: string): Promise<PulumiResult> {
    return new Promise((resolve, reject) => {
      const child = spawn("pulumi", [...args, "--non-interactive"], { cwd: this.dir, env: { ...this.env, ...extraEnv } });
      child.stdin.end(input ?? "");
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, stdout, stderr });
      });
    });
  }

  /** Creates (or selects) a stack. `stackName` must have a Pulumi.<stack>.yaml unless `config` is given. */
  async selectStack(stack: string): Promise<void> {
    const r = await this.run(["stack", "select", stack, "--create"]);
    if (r.code !== 0) throw new Error(`stack select failed: ${r.stderr}${r.stdout}`);
  }

  /**
   * Edits the stack's `Pulumi.<stack>.yaml` in the project copy: `edit` receives the `stackguard:*` values by key
   * (without the prefix) and mutates them. Used to make "a change" between two `up`s.
   */
  editConfig(stack: string, edit: (cfg: Record<string, any>) => void): void {
    const file = path.join(this.dir, `Pulumi.${stack}.yaml`);
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
    const cfg: Record<string, any> = {};
    for (const [k, v] of Object.entries(doc.config ?? {})) if (k.startsWith("stackguard:")) cfg[k.slice(11)] = v;
    edit(cfg);
    doc.config = { ...Object.fromEntries(Object.entries(doc.config ?? {}).filter(([k]) => !k.startsWith("stackguard:"))) };
    for (const [k, v] of Object.entries(cfg)) doc.config[`stackguard:${k}`] = v;
    fs.writeFileSync(file, YAML.stringify(doc));
  }

  /**
   * Adds TypeScript to the program copy (a test scenario such as a forbidden change), loaded after the platform.
   * Pass `undefined` to remove it again.
   */
  setScenario(source: string | undefined): void {
    const file = path.join(this.dir, "stacks", "scenario.ts");
    const index = path.join(this.dir, "stacks", "index.ts");
    const text = fs.readFileSync(index, "utf8").replace(/\nimport "\.\/scenario";\n$/, "\n");
    if (source === undefined) {
      fs.rmSync(file, { force: true });
      fs.writeFileSync(index, text);
    } else {
      fs.writeFileSync(file, source);
      fs.writeFileSync(index, `${text}\nimport "./scenario";\n`);
    }
  }

  /** `pulumi stack output --json`. */
  async outputs(stack: string): Promise<Record<string, any>> {
    const r = await this.run(["stack", "output", "--json", "--show-secrets", "--stack", stack]);
    if (r.code !== 0) throw new Error(`stack output failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  /** Removes the temp dir. */
  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
