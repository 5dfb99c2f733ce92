/**
 * `npm run report:deploy -- --stack <stack> [--out <file.html>] [--since <iso>] [--changes <gate dir|plan|preview JSON>]`
 *
 * Writes the deploy report of a stack's last update (infra/report/): what changed, each blue/green app's promotion
 * with its analysis verdicts and a plot of the traffic through the edge around the switch, and the active slots
 * after the update. Prints the report's path. Sources, all read-only:
 *
 * - the stack's outputs (`pulumi stack output --json --show-secrets`): `apps.<app>` holds the active slot, the version
 *   on each slot and the TrafficSwitch's record of its last successful promotion (verdicts, timings, the measured
 *   traffic windows);
 * - the promotion journal (`.stackguard/promotions/`, written by the TrafficSwitch's provider when a promotion stops):
 *   what a failed or rolled-back promotion did, with its traffic, since the outputs only keep the last success;
 * - `pulumi stack history --json`: the last update's start, end, result and change counts; with `--changes`, the
 *   per-resource list from the gated plan (a gate directory, a `*.gate.json` record or a `*.plan.json`) or from a
 *   `pulumi preview --json` document / event stream.
 *
 * `--since <iso>`: the report covers the update that started at or after this time (CI passes the time before its
 * `up`, so a run whose `up` never started says so instead of showing an older update). Secret outputs, the Render
 * key and the backend credentials are passed to the report's redaction: none of them can appear in the HTML.
 * Bad input (a missing or unknown stack, a stack without outputs, a bad flag value) exits 2 naming the flag.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Slot } from "../../apps/edge/config";
import type { PromotionRecord } from "../../infra/promotion/record";
import { defineCli, resolveStack, runCli, stackOption, UsageError } from "../../infra/cli/define-cli";
import { journalDir, readAttempts } from "../../infra/promotion/journal";
import { secretEnvValues, stringLeaves } from "../../infra/ops/pulumi-output";
import { writeDeployReport, type DeployReportData } from "../../infra/report/deploy-report";
import { promotionEntryFromAttempt, promotionEntryFromRecord, type PromotionEntryInput } from "../../infra/report/from-promotion";

const USAGE =
  "usage: npm run report:deploy -- --stack <stack> [--out <file.html>] [--since <iso time>] [--changes <gate dir | plan.json | gate.json | preview JSON>]";

/** A bad argument or input: exit 2 (the CLIs' one convention). */
export { UsageError };

/** Runs the pinned pulumi CLI (captured stdout); `secrets`: values of its environment that must never be shown. */
export interface PulumiRunner {
  run(args: string[], cwd: string): Promise<{ code: number; stdout: string }>;
  secrets: string[];
}

/** The default runner: tools/scripts/pulumi.js with the project's environment (as `npm run pulumi` runs it). */
export async function defaultRunner(): Promise<PulumiRunner> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { preparePulumi, runPulumi } = require("./pulumi.js");
  const { env } = await preparePulumi({ quiet: true });
  return {
    run: (args, cwd) => runPulumi([...args, "--non-interactive"], { env: { ...env, PULUMI_SKIP_UPDATE_CHECK: "true" }, capture: true, cwd }),
    secrets: secretEnvValues(env),
  };
}

/** One entry of `pulumi stack history --json` (newest first). */
interface HistoryEntry {
  kind: string;
  startTime?: string;
  endTime?: string;
  result?: string;
  resourceChanges?: Record<string, number>;
}

interface AppOutput {
  activeSlot?: Slot;
  versions?: Partial<Record<Slot, string>>;
  lastPromotion?: PromotionRecord;
}

type Change = NonNullable<DeployReportData["changes"]>[number];

/** The values of the outputs `pulumi stack output --json` (without --show-secrets) prints as `[secret]`. */
export function secretValues(plain: unknown, shown: unknown): string[] {
  if (plain === "[secret]") return stringLeaves(shown);
  if (plain && typeof plain === "object" && shown && typeof shown === "object") {
    return Object.keys(plain as object).flatMap((k) => secretValues((plain as Record<string, unknown>)[k], (shown as Record<string, unknown>)[k]));
  }
  return [];
}

const OPS: Record<string, Change["op"] | undefined> = {
  create: "create",
  update: "update",
  delete: "delete",
  replace: "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
  import: "create",
  "import-replacement": "replace",
  discard: "delete",
  "discard-replaced": "replace",
  "remove-pending-replace": "delete",
};

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
const shortType = (type: string) => type.replace(/^pulumi-nodejs:dynamic\//, "");

/** The op a resource's steps amount to (a replacement's create/delete pair is one `replace`). */
function opOf(steps: string[]): Change["op"] | undefined {
  const ops = steps.map((s) => OPS[s]).filter((o): o is Change["op"] => !!o);
  return ops.includes("replace") ? "replace" : ops[0];
}

/** Changes from a Pulumi plan (`--save-plan`): one per resource whose steps change it; fields are the input keys. */
export function changesFromPlan(plan: {
  resourcePlans?: Record<string, { goal?: { type?: string; inputDiff?: Record<string, Record<string, unknown>> }; steps?: string[] }>;
}): Change[] {
  return Object.entries(plan.resourcePlans ?? {}).flatMap(([urn, p]) => {
    const op = opOf(p.steps ?? []);
    if (!op) return [];
    const d = p.goal?.inputDiff ?? {};
    const fields = [...new Set([...Object.keys(d.adds ?? {}), ...Object.keys(d.updates ?? {}), ...Object.keys(d.deletes ?? {})])].filter(
      (f) => f !== "__provider",
    );
    return [{ resource: nameOf(urn), type: shortType(p.goal?.type ?? urn.split("::")[2]?.split("$").pop() ?? "unknown"), op, fields }];
  });
}

interface PreviewStep {
  op: string;
  urn: string;
  oldState?: { type?: string; inputs?: Record<string, unknown> };
  newState?: { type?: string; inputs?: Record<string, unknown> };
  diffReasons?: string[];
  detailedDiff?: Record<string, unknown> | null;
}

/** Changes from `pulumi preview --json` (its `steps`); fields are the changed input keys (names only). */
export function changesFromPreview(doc: { steps?: PreviewStep[] }): Change[] {
  const byUrn = new Map<string, Change>();
  for (const s of doc.steps ?? []) {
    const op = OPS[s.op];
    if (!op) continue;
    let fields = s.diffReasons ?? Object.keys(s.detailedDiff ?? {}).map((k) => k.split(/[.[]/)[0]);
    if (!fields.length && s.oldState?.inputs && s.newState?.inputs) {
      const o = s.oldState.inputs,
        n = s.newState.inputs;
      fields = [...new Set([...Object.keys(o), ...Object.keys(n)])].filter((k) => JSON.stringify(o[k]) !== JSON.stringify(n[k]));
    }
    const prev = byUrn.get(s.urn);
    byUrn.set(s.urn, {
      resource: nameOf(s.urn),
      type: shortType(s.newState?.type ?? s.oldState?.type ?? s.urn.split("::")[2]?.split("$").pop() ?? "unknown"),
      op: prev && prev.op !== op ? "replace" : op,
      fields: [...new Set([...(prev?.fields ?? []), ...fields])].filter((f) => f !== "__provider"),
    });
  }
  return [...byUrn.values()];
}

/**
 * Reads `--changes`: a gate directory (its newest gate record's plan), a gate record, a plan, a preview document or
 * a preview's JSON event stream. Throws a UsageError naming the flag when it is none of these.
 */
export function readChanges(file: string): { changes: Change[]; source: string } {
  const bad = (why: string) => new UsageError(`--changes ${file}: ${why}`);
  if (!fs.existsSync(file)) throw bad("no such file or directory");
  if (fs.statSync(file).isDirectory()) {
    // The newest gate record whose plan is there (a refused gate's plan is deleted), else the newest plan.
    const names = fs.readdirSync(file).sort();
    const planOf = (n: string): string | undefined => {
      try {
        return (JSON.parse(fs.readFileSync(path.join(file, n), "utf8")) as { planFile?: string }).planFile;
      } catch {
        return undefined;
      }
    };
    const records = names.filter((n) => n.endsWith(".gate.json") && names.includes(planOf(n) ?? "\0"));
    const pick = records.pop() ?? names.filter((n) => n.endsWith(".plan.json")).pop();
    if (!pick) throw bad("the directory holds no gate record with its plan, nor a *.plan.json (pass the gate's --out-dir)");
    return readChanges(path.join(file, pick));
  }
  const text = fs.readFileSync(file, "utf8");
  let doc: Record<string, unknown> | undefined;
  try {
    doc = JSON.parse(text);
  } catch {
    // An event stream (PULUMI_ENABLE_STREAMING_JSON_PREVIEW): one JSON event per line.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { digestFromEvents } = require("../../.github/scripts/preview-digest.js");
    const digest = digestFromEvents(text) as { steps: PreviewStep[] };
    if (digest.steps.length) return { changes: changesFromPreview(digest), source: `the preview events ${path.basename(file)}` };
    throw bad("not JSON, nor a preview's JSON event stream");
  }
  if (doc && typeof doc.planFile === "string" && typeof doc.planSha256 === "string") {
    const plan = path.join(path.dirname(file), doc.planFile);
    if (!fs.existsSync(plan)) throw bad(`the gate record names the plan ${doc.planFile}, which is missing`);
    return { changes: readChanges(plan).changes, source: `the gated plan ${doc.planFile} (gate ${doc.result ?? "?"})` };
  }
  if (doc && typeof doc.resourcePlans === "object")
    return { changes: changesFromPlan(doc as Parameters<typeof changesFromPlan>[0]), source: `the plan ${path.basename(file)}` };
  if (doc && Array.isArray(doc.steps)) return { changes: changesFromPreview(doc as { steps: PreviewStep[] }), source: `the preview ${path.basename(file)}` };
  throw bad("expected a gate directory or record, a plan (resourcePlans) or a preview document (steps)");
}

/** Options of {@link buildReport}. */
export interface BuildOptions {
  stack: string;
  cwd: string;
  since?: string;
  changes?: string;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** The promotion journal (default: the project's `.stackguard/promotions`, or STACKGUARD_PROMOTION_JOURNAL). */
  journal?: string;
}

/** Reads everything and returns the report data and the values to redact. */
export async function buildReport(runner: PulumiRunner, o: BuildOptions): Promise<{ data: DeployReportData; secrets: string[] }> {
  const env = o.env ?? process.env;
  const now = (o.now ?? (() => new Date()))();
  const sinceMs = o.since === undefined ? undefined : Date.parse(o.since);
  if (o.since !== undefined && (!/^\d{4}-\d\d-\d\dT/.test(o.since) || Number.isNaN(sinceMs)))
    throw new UsageError(`--since must be an ISO time such as 2026-11-27T10:00:00Z (got '${o.since}')`);
  const changes = o.changes ? readChanges(o.changes) : undefined;

  const json = async (args: string[], what: string) => {
    const r = await runner.run(args, o.cwd);
    if (r.code !== 0) {
      throw new UsageError(
        `--stack '${o.stack}': cannot read its ${what} (pulumi exited ${r.code}); is it a stack of this project and backend? List them with: npm run pulumi -- stack ls`,
      );
    }
    try {
      return JSON.parse(r.stdout || "null") as unknown;
    } catch {
      throw new Error(`pulumi ${args.slice(0, 2).join(" ")} printed no JSON for stack '${o.stack}'`);
    }
  };
  // The first call alone: an unknown stack then fails once, with one message from pulumi.
  const shown = (await json(["stack", "output", "--json", "--show-secrets", "--stack", o.stack], "outputs")) as Record<string, unknown> | null;
  const [plain, history] = await Promise.all([
    json(["stack", "output", "--json", "--stack", o.stack], "outputs") as Promise<Record<string, unknown> | null>,
    json(["stack", "history", "--json", "--stack", o.stack], "update history") as Promise<HistoryEntry[] | null>,
  ]);
  if (!shown || typeof shown !== "object" || Object.keys(shown).length === 0) {
    throw new UsageError(`--stack '${o.stack}' has no outputs: it was never deployed (or its last up created nothing); run pulumi up on it first`);
  }
  const secrets = [...secretValues(plain, shown), ...stringLeaves(shown.edgeAdminToken), ...secretEnvValues(env), ...runner.secrets].filter(
    (s): s is string => typeof s === "string" && s.length >= 4,
  );

  // The update the report is about: the newest `update`, when it started at or after --since (history has seconds).
  const floorSec = (ms: number) => Math.floor(ms / 1000) * 1000;
  const newest = (history ?? []).find((h) => h.kind === "update");
  const update = newest && (sinceMs === undefined || Date.parse(newest.startTime ?? "") >= floorSec(sinceMs)) ? newest : undefined;
  const startedAt = update?.startTime ? new Date(update.startTime) : new Date(sinceMs ?? now.getTime());
  const finishedAt = update?.endTime ? new Date(update.endTime) : now;
  const from = floorSec(startedAt.getTime());

  const apps = (shown.apps ?? {}) as Record<string, AppOutput>;
  const edgeUrl = typeof shown.edgeUrl === "string" ? shown.edgeUrl : undefined;
  const attempts = edgeUrl ? readAttempts(o.journal ?? journalDir(o.cwd, env), edgeUrl) : [];
  const promotions: Array<PromotionEntryInput & { at: string }> = [];
  const finalSlots: NonNullable<DeployReportData["finalSlots"]> = {};
  for (const [app, a] of Object.entries(apps)) {
    if (!a || (a.activeSlot !== "blue" && a.activeSlot !== "green")) continue; // not a blue/green app
    const r = a.lastPromotion;
    // After a promotion that stopped, the outputs still show the state before it: its journal entry has the state after.
    const stopped = attempts.filter((j) => j.app === app && j.attempt.live && (!r || j.attempt.at > r.at)).pop()?.attempt.live;
    const final = stopped ?? { activeSlot: a.activeSlot, versions: a.versions ?? {} };
    finalSlots[app] = {
      activeSlot: final.activeSlot,
      versions: { ...(final.versions.blue ? { blue: final.versions.blue } : {}), ...(final.versions.green ? { green: final.versions.green } : {}) },
    };
    if (r && Date.parse(r.at) >= from) {
      promotions.push({ ...promotionEntryFromRecord(app, r, { previousVersion: r.from !== r.to ? a.versions?.[r.from] : undefined }), at: r.at });
    }
    for (const j of attempts) {
      if (j.app !== app || Date.parse(j.attempt.at) < from) continue;
      const previousVersion = j.attempt.result === "rolled-back" || j.attempt.from === a.activeSlot ? a.versions?.[j.attempt.from] : undefined;
      promotions.push({
        ...promotionEntryFromAttempt(app, j.message, j.attempt as Parameters<typeof promotionEntryFromAttempt>[2], { previousVersion }),
        at: j.attempt.at,
      });
    }
  }
  promotions.sort((x, y) => x.at.localeCompare(y.at));

  const result = update?.result;
  const outcome: DeployReportData["outcome"] =
    result === "succeeded" ? "succeeded" : promotions.some((p) => p.result === "rolled-back") ? "rolled-back" : "failed";
  const gh = env.GITHUB_ACTIONS === "true";
  const runUrl =
    gh && env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  const data: DeployReportData = {
    stack: o.stack,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    outcome,
    actor: gh
      ? `github-actions (${env.GITHUB_WORKFLOW ?? "workflow"} #${env.GITHUB_RUN_NUMBER ?? "?"}, ${env.GITHUB_ACTOR ?? "?"})`
      : env.USER
        ? `${env.USER} (local)`
        : undefined,
    commit: env.GITHUB_SHA ? env.GITHUB_SHA.slice(0, 12) : undefined,
    ...(runUrl ? { runUrl } : {}),
    changes: update || !o.since ? (changes?.changes ?? []) : [],
    ...(changes && (update || !o.since) ? { changesSource: changes.source } : {}),
    ...(update?.resourceChanges ? { changeSummary: update.resourceChanges } : {}),
    promotions: promotions.map(({ at: _at, ...p }) => p),
    finalSlots,
  };
  if (!update) {
    data.notes = [
      sinceMs === undefined
        ? "The stack has no update in its history."
        : `No update of the stack started at or after ${o.since} (--since): the up did not run or was refused before it started; nothing was changed by it.`,
    ];
  }
  return { data, secrets };
}

/** Parses the arguments, builds and writes the report; returns the exit code (infra/cli/define-cli.ts). */
export async function main(
  argv: string[],
  deps: { runner?: () => Promise<PulumiRunner>; out?: (s: string) => void; err?: (s: string) => void; env?: NodeJS.ProcessEnv; now?: () => Date } = {},
): Promise<number> {
  const err = deps.err ?? ((s: string) => process.stderr.write(`${s}\n`));
  return defineCli({
    usage: USAGE,
    name: "deploy report",
    options: {
      ...stackOption,
      out: { type: "string" },
      since: { type: "string" },
      changes: { type: "string" },
      journal: { type: "string" },
      cwd: { type: "string" },
    },
    run: async ({ values, out }) => {
      // Handed to the pulumi CLI only (the file name replaces '/'), so Pulumi's org/project/stack form is fine.
      const stack = resolveStack(values.stack as string | undefined, { qualified: true });
      const file = values.out as string | undefined;
      const since = values.since as string | undefined;
      const changes = values.changes as string | undefined;
      const journal = values.journal as string | undefined;
      const cwd = path.resolve((values.cwd as string | undefined) ?? path.join(__dirname, "..", ".."));
      const runner = await (deps.runner ?? defaultRunner)();
      const { data, secrets } = await buildReport(runner, { stack, cwd, since, changes, env: deps.env, now: deps.now, journal });
      const stamp = (deps.now ?? (() => new Date()))().toISOString().replace(/[:.]/g, "-");
      const target = file ? path.resolve(file) : path.join(cwd, ".stackguard", "reports", `${stack.replace(/\//g, "_")}-${stamp}.html`);
      const written = writeDeployReport(data, target, { secrets });
      err(
        `deploy report of ${stack}: ${data.outcome}, ${data.promotions?.length ?? 0} promotion(s), ${Object.keys(data.finalSlots ?? {}).length} blue/green app(s); ${written.bytes} bytes`,
      );
      out(written.file);
      return 0;
    },
  })(argv, { out: deps.out, err });
}

if (require.main === module) runCli((argv) => main(argv));
