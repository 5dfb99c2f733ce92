/**
 * Properties every workflow must keep: least-privilege permissions, one deployment per stack at a time, secrets only
 * from GitHub secrets, the reviewed production environment around production changes, up only from a saved plan,
 * inputs in line with the stack files, and only actions the local harness knows how to stand in for.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { readStackConfigFile } from "../../../infra/cost/read-stack-file";
import { interpolate, SKIPPABLE_ACTIONS } from "../../support/workflow-steps";

const { knownStacks } = require("../../../.github/scripts/validate-inputs.js");

const ROOT = path.resolve(__dirname, "..", "..", "..");
const DIR = path.join(ROOT, ".github", "workflows");
const workflows: Record<string, any> = Object.fromEntries(
  fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith(".yml"))
    .map((f) => [f, YAML.parse(fs.readFileSync(path.join(DIR, f), "utf8"))]),
);
const text = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");
const jobs = () => Object.entries(workflows).flatMap(([file, wf]) => Object.entries(wf.jobs as Record<string, any>).map(([id, job]) => ({ file, id, job })));
const runs = (job: any): string => (job.steps ?? []).map((s: any) => s.run ?? "").join("\n");
const evalWith = (value: unknown, contexts: Record<string, any>) =>
  interpolate(String(value), { contexts: { github: {}, vars: {}, secrets: {}, inputs: {}, matrix: {}, ...contexts }, failed: false });

describe("workflow properties", () => {
  it("grant only contents: read at the top, and each job only what it needs", () => {
    const allowedWrites: Record<string, string[]> = { "pr.yml/preview": ["pull-requests"], "drift.yml/drift": ["issues"] };
    for (const [file, wf] of Object.entries(workflows)) expect({ file, permissions: wf.permissions }).toEqual({ file, permissions: { contents: "read" } });
    for (const { file, id, job } of jobs()) {
      expect({ job: `${file}/${id}`, declared: job.permissions !== undefined }).toEqual({ job: `${file}/${id}`, declared: true });
      const writes = Object.entries(job.permissions as Record<string, string>)
        .filter(([, v]) => v === "write")
        .map(([k]) => k);
      expect({ job: `${file}/${id}`, writes }).toEqual({ job: `${file}/${id}`, writes: allowedWrites[`${file}/${id}`] ?? [] });
    }
  });

  it("never run two promotions of one stack at once, and never queue a rollback behind one (its own group)", () => {
    const deployers = jobs().filter(({ job }) => /pulumi-up\.sh|npm run --silent rollback/.test(runs(job)));
    expect(deployers.map(({ file, id }) => `${file}/${id}`).sort()).toEqual(["promote.yml/production", "promote.yml/staging", "rollback.yml/rollback"]);
    for (const { job } of deployers) expect(job.concurrency["cancel-in-progress"]).toBe(false);
    expect(workflows["promote.yml"].jobs.production.concurrency.group).toBe("deploy-production");
    expect(workflows["promote.yml"].jobs.staging.concurrency.group).toBe("deploy-staging");
    // GitHub keeps one pending job per group and cancels the older pending one: a rollback sharing the promotions'
    // group could be cancelled by a promotion, or wait behind one. Its group is its own, per stack.
    const promotionGroups = new Set(
      jobs()
        .map(({ job }) => job.concurrency?.group)
        .filter((g) => typeof g === "string" && g.startsWith("deploy-")),
    );
    for (const stack of knownStacks(ROOT)) {
      const group = evalWith(workflows["rollback.yml"].jobs.rollback.concurrency.group, { inputs: { stack } });
      expect(group).toBe(`rollback-${stack}`);
      expect(promotionGroups.has(group)).toBe(false);
    }
    expect(workflows["rollback.yml"].concurrency).toBeUndefined(); // no workflow-level group either
    // After the switch, the rollback is recorded in the stack, so a promotion planned before it is refused as stale.
    const steps = (workflows["rollback.yml"].jobs.rollback.steps as any[]).map((st) => st.run ?? st.uses);
    expect(steps.indexOf('.github/scripts/record-rollback.sh "$STACK"')).toBeGreaterThan(
      steps.findIndex((r: string) => /npm run --silent rollback/.test(r ?? "")),
    );
    expect(fs.readFileSync(path.join(ROOT, ".github/scripts/pulumi-up.sh"), "utf8")).toMatch(
      /the plan was made on update \$planned_on of stack '\$stack', which is now at update \$now: it is stale/,
    );
  });

  it("change production only in the reviewed `production` environment, and only from the saved plan", () => {
    const prod = workflows["promote.yml"].jobs.production;
    expect(prod.environment).toBe("production");
    expect(prod.needs).toEqual(expect.arrayContaining(["plan-production", "backup-production"]));
    expect(runs(prod)).toMatch(/pulumi-up\.sh "\$STACK" "\$OUT\/gate-\$STACK"/);
    const upScript = fs.readFileSync(path.join(ROOT, ".github/scripts/pulumi-up.sh"), "utf8");
    // Through the redacting runner: plan-violation diagnostics print resource inputs, secrets included.
    expect(upScript).toMatch(
      /STACKGUARD_PROMOTION="\$record" PULUMI_EXPERIMENTAL=true npx --no-install ts-node --transpile-only tools\/scripts\/pulumi-redacted\.ts up --stack "\$stack" --yes --non-interactive --plan "\$plan"/,
    );
    // No script of the workflows prints pulumi's own output unredacted (look-ups into files or pipes are fine).
    for (const script of ["pulumi-up.sh", "post-deploy-check.sh", "pulumi-preview.sh"]) {
      const text = fs.readFileSync(path.join(ROOT, ".github/scripts", script), "utf8");
      expect(text).not.toMatch(/npm run --silent pulumi -- (up|preview|refresh|destroy)\b/);
    }
    // The artifact the reviewed job downloads is the one the gate job uploaded.
    const plan = workflows["promote.yml"].jobs["plan-production"];
    const upload = (plan.steps as any[]).find((st) => st.uses?.startsWith("actions/upload-artifact"));
    const download = (prod.steps as any[]).find((st) => st.uses?.startsWith("actions/download-artifact"));
    expect(download.with.name).toBe(upload.with.name);
    expect(runs(plan)).toContain('.github/scripts/gate.sh "$STACK" "$OUT/gate-$STACK"');
    expect(evalWith(workflows["rollback.yml"].jobs.rollback.environment, { inputs: { stack: "production" } })).toBe("production");
    // Read-only jobs on production never use the reviewed environment (they would wait for a reviewer): PR previews
    // use `<stack>-preview` (state read access, no Render key), the nightly jobs `production-ops` (main only).
    for (const stack of ["staging", "production"])
      expect(evalWith(workflows["pr.yml"].jobs.preview.environment, { matrix: { stack } })).toBe(`${stack}-preview`);
    for (const [file, job] of [
      ["drift.yml", "drift"],
      ["backup.yml", "backup"],
    ] as const) {
      expect(evalWith(workflows[file].jobs[job].environment, { matrix: { stack: "production" } })).toBe("production-ops");
      expect(evalWith(workflows[file].jobs[job].environment, { matrix: { stack: "staging" } })).toBe("staging");
    }
    expect(workflows["promote.yml"].jobs["plan-production"].environment).toBe("production-ops");
  });

  it("give secrets per step, never per job or workflow, and never to an action", () => {
    for (const [file, wf] of Object.entries(workflows))
      expect({ file, env: JSON.stringify(wf.env ?? {}) }).toEqual({ file, env: expect.not.stringContaining("secrets.") });
    for (const { file, id, job } of jobs()) {
      expect({ job: `${file}/${id}`, env: JSON.stringify(job.env ?? {}) }).toEqual({ job: `${file}/${id}`, env: expect.not.stringContaining("secrets.") });
      for (const st of job.steps ?? []) {
        if (!st.uses) continue;
        expect({ job: `${file}/${id}`, action: st.uses, given: JSON.stringify([st.env ?? {}, st.with ?? {}]) }).toEqual({
          job: `${file}/${id}`,
          action: st.uses,
          given: expect.not.stringContaining("secrets."),
        });
      }
    }
  });

  it("give no Render key that can write to unreviewed code: PR jobs never name it; every job that does runs from main only", () => {
    expect(text("pr.yml")).not.toMatch(/secrets\.RENDER_API_KEY/);
    expect(workflows["pr.yml"].jobs.preview.env.STACKGUARD_RENDER_ACCESS).toBe("read");
    // The PR preview holds only the read-only (Viewer) key, and only in the check and the two steps that run pulumi.
    const readOnly = (workflows["pr.yml"].jobs.preview.steps as Array<{ id?: string; name?: string; env?: Record<string, string> }>)
      .filter((st) => JSON.stringify(st.env ?? {}).includes("secrets.RENDER_READONLY_API_KEY"))
      .map((st) => [
        st.id ?? st.name,
        Object.entries(st.env!)
          .filter(([, v]) => v.includes("RENDER_READONLY_API_KEY"))
          .map(([k]) => k),
      ]);
    expect(readOnly).toEqual([
      [expect.stringMatching(/^Check secrets/), ["RENDER_READONLY_API_KEY"]],
      ["preview", ["RENDER_API_KEY"]],
      ["gate", ["RENDER_API_KEY"]],
    ]);
    // Every preview and gate runs the program's gets (a Render read): each holds the Viewer's key, never one that writes.
    expect(
      jobs()
        .filter(({ job }) => JSON.stringify(job).includes("secrets.RENDER_READONLY_API_KEY"))
        .map(({ file, id }) => `${file}/${id}`)
        .sort(),
    ).toEqual(["pr.yml/preview", "promote.yml/plan-production", "promote.yml/staging"]);
    const readKeySteps = jobs()
      .flatMap(({ file, id, job }) =>
        ((job as { steps?: Array<{ id?: string; name?: string; env?: Record<string, string> }> }).steps ?? [])
          .filter((st) => st.env?.RENDER_API_KEY?.includes("secrets.RENDER_READONLY_API_KEY"))
          .map((st) => `${file}/${id}/${st.id}`),
      )
      .sort();
    expect(readKeySteps).toEqual([
      "pr.yml/preview/gate",
      "pr.yml/preview/preview",
      "promote.yml/plan-production/gate",
      "promote.yml/plan-production/preview",
      "promote.yml/staging/gate",
    ]);
    const main = { ref: "refs/heads/main", event_name: "push" };
    const branch = { ref: "refs/heads/feature", event_name: "workflow_dispatch" };
    const prRef = { ref: "refs/pull/7/merge", event_name: "pull_request" };
    const keyed = jobs().filter(({ job }) => JSON.stringify(job).includes("secrets.RENDER_API_KEY"));
    expect(keyed.map(({ file, id }) => `${file}/${id}`).sort()).toEqual([
      "backup.yml/backup",
      "drift.yml/drift",
      "promote.yml/production",
      "promote.yml/staging",
      "rollback.yml/rollback",
    ]);
    // Every job that can reach production's state or Render outside a PR preview is guarded the same way.
    const guarded = [...keyed, ...jobs().filter(({ file, id }) => ["promote.yml/plan-production"].includes(`${file}/${id}`))];
    for (const { file, id, job } of guarded) {
      const at = `${file}/${id}`;
      const guard = job.if;
      expect({ at, main: evalWith(`\${{ ${guard} }}`, { github: main }) }).toEqual({ at, main: "true" });
      expect({ at, branch: evalWith(`\${{ ${guard} }}`, { github: branch }), pr: evalWith(`\${{ ${guard} }}`, { github: prRef }) }).toEqual({
        at,
        branch: "false",
        pr: "false",
      });
    }
  });

  it("back up production's database before production changes", () => {
    const backup = workflows["promote.yml"].jobs["backup-production"];
    expect(backup.uses).toBe("./.github/workflows/backup.yml");
    expect(backup.with).toEqual({ stack: "production" });
    expect(workflows["backup.yml"].on.workflow_call.inputs.stack.required).toBe(true);
    expect(Object.keys(workflows["backup.yml"].on)).toEqual(expect.arrayContaining(["schedule", "workflow_call"]));
  });

  it("take secrets only from GitHub secrets, and check them first in every job that needs them", () => {
    const allowed = new Set(["RENDER_API_KEY", "RENDER_READONLY_API_KEY", "PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"]);
    for (const [file] of Object.entries(workflows)) {
      for (const m of text(file).matchAll(/secrets\.([A-Z_]+)/g))
        expect({ file, secret: m[1], allowed: allowed.has(m[1]) }).toEqual({ file, secret: m[1], allowed: true });
      expect(text(file)).not.toMatch(/(rnd_|pul-)[A-Za-z0-9]{8,}/); // no literal key
    }
    for (const { file, id, job } of jobs()) {
      if (!JSON.stringify(job.steps ?? []).includes("secrets.")) continue;
      const firstRun = (job.steps as any[]).find((s) => s.run);
      expect({ job: `${file}/${id}`, first: firstRun?.name }).toEqual({ job: `${file}/${id}`, first: expect.stringMatching(/^Check (inputs and )?secrets/) });
    }
  });

  it("offer exactly the committed stacks and their blue/green apps as rollback choices", () => {
    const inputs = workflows["rollback.yml"].on.workflow_dispatch.inputs;
    const stacks: string[] = knownStacks(ROOT);
    expect([...inputs.stack.options].sort()).toEqual(stacks);
    const blueGreen = new Set(
      stacks.flatMap((s) =>
        Object.entries(readStackConfigFile(s, ROOT).apps)
          .filter(([, a]) => a.kind === "blueGreen")
          .map(([n]) => n),
      ),
    );
    expect([...inputs.app.options].sort()).toEqual([...blueGreen].sort());
    expect([...workflows["backup.yml"].on.workflow_dispatch.inputs.stack.options].sort()).toEqual(stacks);
    for (const f of ["pr.yml", "drift.yml"]) expect([...workflows[f].jobs[f === "pr.yml" ? "preview" : "drift"].strategy.matrix.stack].sort()).toEqual(stacks);
  });

  it("preview with the policy pack, the AlphaStack gate and an updatable comment per stack", () => {
    const preview = workflows["pr.yml"].jobs.preview;
    expect(runs(preview)).toContain('.github/scripts/pulumi-preview.sh "$STACK" "$OUT"');
    expect(runs(preview)).toContain('.github/scripts/gate.sh "$STACK" "$OUT/gate-$STACK"');
    expect(fs.readFileSync(path.join(ROOT, ".github/scripts/gate.sh"), "utf8")).toContain('npm run --silent gate -- --stack "$stack" --out-dir "$dir"');
    expect(fs.readFileSync(path.join(ROOT, ".github/scripts/pulumi-preview.sh"), "utf8")).toContain("policyPackArgs");
    const comment = (preview.steps as any[]).find((s) => s.uses?.startsWith("actions/github-script"));
    expect(comment.with.script).toContain("upsert-comment.js");
    expect(workflows["drift.yml"].jobs.drift.steps.map((s: any) => s.run ?? "").join("\n")).toContain("--refresh --expect-no-changes");
  });

  it("pin every action to a full commit SHA with its version in a comment; checkouts keep no credentials; no inherited secrets", () => {
    const files = [...Object.keys(workflows).map((f) => path.join(DIR, f)), path.join(ROOT, ".github/actions/setup/action.yml")];
    for (const file of files) {
      const src = fs.readFileSync(file, "utf8");
      for (const m of src.matchAll(/^\s*-?\s*uses:\s*(\S+)(.*)$/gm)) {
        if (m[1].startsWith("./")) continue; // this repository's own action or reusable workflow
        expect({
          file: path.basename(file),
          uses: m[1],
          pinned: /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(m[1]) && /^\s*#\s*v\d+\.\d+\.\d+\b/.test(m[2]),
        }).toEqual({ file: path.basename(file), uses: m[1], pinned: true });
      }
      expect(src).not.toMatch(/secrets:\s*inherit/);
    }
    for (const { file, id, job } of jobs()) {
      for (const s of job.steps ?? []) {
        if (!String(s.uses ?? "").startsWith("actions/checkout@")) continue;
        expect({ at: `${file}/${id}`, persist: s.with?.["persist-credentials"] }).toEqual({ at: `${file}/${id}`, persist: false });
      }
    }
  });

  it("use only actions the local harness can stand in for", () => {
    for (const { file, id, job } of jobs()) {
      for (const s of job.steps ?? []) {
        if (!s.uses) continue;
        const action = s.uses.startsWith("./") ? s.uses : s.uses.replace(/@.*$/, "");
        expect({ at: `${file}/${id}`, action, known: action in SKIPPABLE_ACTIONS }).toEqual({ at: `${file}/${id}`, action, known: true });
      }
    }
  });
});
