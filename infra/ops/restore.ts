import * as os from "node:os";
import * as path from "node:path";
import * as fs from "node:fs";
import { readStackConfigFile } from "../cost/read-stack-file";
import type { RenderClient } from "../render/client";
import type { Postgres } from "../render/schemas/postgres";
import { recoveryWindow, restoredName, waitUntilAvailable } from "./pitr";
import type { GateRunner, PulumiRunner } from "./pulumi-runner";
import { writeRestoreRef, type DatabaseRestoreRef } from "./restore-config";
import { RestoreInputError } from "./restore-errors";
import { parseRestoreTime } from "./restore-time";
import { findStackDatabase, isAlphaStackDatabase } from "./stack-database";
import { stackSecretValues } from "./stack-secrets";
import { redactPulumiOutput as redact } from "./pulumi-output";
import { verifyRestoredDatabase, type Verification } from "./verify-database";

/** Options for {@link restoreStackDatabase}. */
export interface RestoreOptions {
  stack: string;
  /** `--to`: RFC 3339 with a zone. */
  to: string;
  /** Run the `up` after the preview (otherwise stop after printing it). */
  yes: boolean;
  /** The project directory holding `Pulumi.<stack>.yaml`. */
  root: string;
  /** A Render client with the provider write guard installed (infra/providers/context.ts `providerClient`). */
  client: RenderClient;
  pulumi: PulumiRunner;
  /** The preview gate; production previews through it, and its `up` runs from the gate's plan. */
  gate: GateRunner;
  /** `--policy-pack …` arguments for every preview and up. */
  policyArgs: string[];
  /** Longest wait for the recovered database to be `available` (default 30 min). */
  timeoutMs?: number;
  pollMs?: number;
  log?: (line: string) => void;
  /** Where the preview goes (default: the log). */
  print?: (text: string) => void;
  now?: () => Date;
}

/** What a restore did. No credentials. */
export interface RestoreRecord {
  stack: string;
  source: { id: string; name: string };
  restored: DatabaseRestoreRef;
  verification: Verification;
  /** Wall time from the recovery request to `available`, in ms. */
  recoveryMs: number;
  /** The saved plan the `up` ran from (production), when there was one. */
  planFile?: string;
  /** True when the `up` ran and succeeded; false when the run stopped after the preview (no `--yes`). */
  applied: boolean;
}

/**
 * Point-in-time recovery of a stack's database into a new database, then the apps repointed through a reviewed
 * `pulumi up` (docs/recovery.md):
 * 1. inputs are checked before anything changes: the stack's config, its current database (never AlphaStack's),
 *    Render's recovery window, the time (`--to`);
 * 2. `POST /postgres/{id}/recovery` into `<name>-pitr-<yyyymmddhhmm>`, through the guarded client;
 * 3. wait until `available`, then verify what the API shows (status, connection info);
 * 4. write `stackguard:database.restore` into `Pulumi.<stack>.yaml` (the program then takes DATABASE_URL from it);
 * 5. `pulumi preview` with the policy pack, printed; in production the AlphaStack gate's preview (`--save-plan`);
 * 6. only with `yes`: `pulumi up` (production: from the gate's plan, with its record in STACKGUARD_PROMOTION).
 * The source database is never changed or deleted.
 * @throws RestoreInputError (bad input, nothing changed), Error (Render or pulumi failed; the message says what is left)
 */
export async function restoreStackDatabase(o: RestoreOptions): Promise<RestoreRecord> {
  const log = o.log ?? (() => {});
  let print = o.print ?? log;
  const now = o.now ?? (() => new Date());
  let cfg;
  try {
    cfg = readStackConfigFile(o.stack, o.root);
  } catch (e) {
    throw new RestoreInputError("--stack", (e as Error).message);
  }
  const source = await findStackDatabase(o.client, o.stack, cfg);
  const window = await recoveryWindow(o.client, source, now());
  const at = parseRestoreTime(o.to, window);
  const name = restoredName(cfg.database.name, at);
  if (isAlphaStackDatabase(source.id, cfg)) throw new RestoreInputError("--stack", `${source.id} is AlphaStack's database`);

  log(`recovering ${source.name} (${source.id}) to ${at.toISOString()} into a new database '${name}'…`);
  const started = Date.now();
  // A POST, not retried by the client: a lost answer is resolved by looking the name up, never by a second recovery.
  let restored: Postgres;
  try {
    restored = await o.client.postgres.recover(source.id, { restoreTime: at.toISOString(), restoreName: name, plan: cfg.database.plan });
  } catch (e) {
    const found = (await o.client.postgres.list({ name: [name], ownerId: [cfg.render.ownerId] })).find((p) => p.name === name);
    if (!found) throw e;
    restored = found;
  }
  if (isAlphaStackDatabase(restored.id, cfg)) throw new Error(`Render answered with ${restored.id}, an AlphaStack id: stopping before anything points at it`);
  const ready = await waitUntilAvailable(o.client, restored.id, { timeoutMs: o.timeoutMs ?? 30 * 60_000, pollMs: o.pollMs ?? 5_000, log });
  const recoveryMs = Date.now() - started;
  log(`${ready.id} is available after ${(recoveryMs / 1000).toFixed(1)} s`);

  const verification = await verifyRestoredDatabase(o.client, ready, source, at);
  for (const c of verification.checks) log(`  ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`);
  for (const l of verification.limits) log(`  note: ${l}`);
  if (!verification.ok) {
    throw new Error(
      `the recovered database ${ready.id} failed verification (${verification.checks
        .filter((c) => !c.ok)
        .map((c) => c.name)
        .join(", ")}); the stack's config was not changed and the apps still use ${source.id}`,
    );
  }

  // pulumi's diagnostics can show resource inputs in plain text: everything it prints passes through redaction
  // (plan-violation values cut out, these values replaced, credential shapes masked: infra/ops/pulumi-output.ts).
  const secrets = [...(await stackSecretValues(o.pulumi, o.stack)), process.env.RENDER_API_KEY];
  const rawPrint = print;
  print = (text: string) => rawPrint(redact(text, secrets));
  const ref: DatabaseRestoreRef = { id: ready.id, name: ready.name, sourceId: source.id, restoreTime: at.toISOString() };
  writeRestoreRef(o.root, o.stack, ref);
  log(`Pulumi.${o.stack}.yaml: stackguard:database.restore now names ${ready.id}; commit this change for review`);

  if (cfg.environment === "production") return applyThroughGate(o, { source, ref, verification, recoveryMs, log, print, secrets });
  const preview = await o.pulumi(["preview", "--diff", "--stack", o.stack, ...o.policyArgs]);
  print(preview.stdout);
  if (preview.code !== 0) {
    throw new Error(
      `pulumi preview failed (exit ${preview.code}): ${lastLines(redact(preview.stderr, secrets))} (see its output above). The recovered database ${ref.id} exists and the config names it; fix the problem and re-run the preview, or remove stackguard:database.restore to go back`,
    );
  }
  const done = { stack: o.stack, source: { id: source.id, name: source.name }, restored: ref, verification, recoveryMs };
  if (!o.yes) {
    log(`stopped after the preview (no --yes): review it, commit Pulumi.${o.stack}.yaml, then promote (or re-run with --yes)`);
    return { ...done, applied: false };
  }
  const up = await o.pulumi(["up", "--yes", "--skip-preview", "--stack", o.stack, ...o.policyArgs]);
  print(up.stdout);
  if (up.code !== 0)
    throw new Error(
      `pulumi up failed (exit ${up.code}): ${lastLines(redact(up.stderr, secrets))} (see its output above). The apps may still use ${source.id}; re-run the preview and up`,
    );
  log(`the apps' DATABASE_URL now comes from ${ref.id}`);
  return { ...done, applied: true };
}

/**
 * Production: the preview is the AlphaStack gate's (policy pack, `--save-plan`, no step touching AlphaStack), and the
 * `up` runs from the plan it passed, with its record in STACKGUARD_PROMOTION (the pack's production-requires-promotion
 * policy checks it), exactly as the promote workflow does (.github/scripts/pulumi-up.sh).
 */
async function applyThroughGate(
  o: RestoreOptions,
  s: {
    source: Postgres;
    ref: DatabaseRestoreRef;
    verification: Verification;
    recoveryMs: number;
    log: (l: string) => void;
    print: (t: string) => void;
    secrets: Array<string | undefined>;
  },
): Promise<RestoreRecord> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `stackguard-restore-${o.stack}-`));
  const gate = await o.gate(o.stack, outDir);
  s.print(gate.stdout);
  const recordFile = fs
    .readdirSync(outDir)
    .filter((f) => f.endsWith(".gate.json"))
    .sort()
    .pop();
  const record = recordFile
    ? (JSON.parse(fs.readFileSync(path.join(outDir, recordFile), "utf8")) as { result?: string; planFile?: string; stack?: string })
    : undefined;
  if (gate.code !== 0 || record?.result !== "pass" || record.stack !== o.stack || !record.planFile) {
    throw new Error(
      `the gate did not pass the preview (exit ${gate.code}${record ? `, record ${record.result}` : ", no record"}): see its report above. The recovered database ${s.ref.id} exists and the config names it; fix the problem and re-run, or remove stackguard:database.restore to go back`,
    );
  }
  const planFile = path.join(outDir, record.planFile);
  const done = {
    stack: o.stack,
    source: { id: s.source.id, name: s.source.name },
    restored: s.ref,
    verification: s.verification,
    recoveryMs: s.recoveryMs,
    planFile,
  };
  if (!o.yes) {
    s.log(`stopped after the gate's preview (no --yes): review it, commit Pulumi.${o.stack}.yaml, then promote; the reviewed plan is ${planFile}`);
    return { ...done, applied: false };
  }
  const up = await o.pulumi(["up", "--yes", "--stack", o.stack, "--plan", planFile, ...o.policyArgs], {
    STACKGUARD_PROMOTION: path.join(outDir, recordFile!),
    STACKGUARD_PROMOTION_PLAN: planFile,
    PULUMI_EXPERIMENTAL: "true",
  });
  s.print(up.stdout);
  if (up.code !== 0)
    throw new Error(
      `pulumi up from the gate's plan failed (exit ${up.code}): ${lastLines(redact(up.stderr, s.secrets))} (see its output above). The apps may still use ${s.source.id}; re-run the restore's preview and up`,
    );
  s.log(`the apps' DATABASE_URL now comes from ${s.ref.id} (applied from the gate's plan ${planFile})`);
  return { ...done, applied: true };
}

function lastLines(text: string, n = 8): string {
  return text.trim().split("\n").slice(-n).join(" | ");
}
