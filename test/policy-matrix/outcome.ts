/**
 * Judging one run. The preview streams engine events as JSON (`PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true pulumi
 * preview --json`: the plain JSON digest drops policy events), read with the gate's own parser (policies/lib/gate.ts),
 * so the verdict rests on the policy events the engine emitted, not on console text.
 *
 * - blocked: the run failed, the expected policy reported a mandatory violation containing the expected message,
 *   and no other mandatory policy fired except those the scenario names in `alsoBy`. Error diagnostics are allowed
 *   only where the resource's own provider check refuses it too (`checkRejects`) or the engine's `protect` does
 *   (`engineRefuses`).
 * - passes: exit 0, no mandatory violation, no error diagnostic.
 */
import { analyseEvents } from "../../policies/lib/gate";
import { ProtectedSet } from "../../policies/lib/protected";
import type { Scenario } from "./scenarios";
import type { RunResult } from "./workspace";

/** One mandatory violation as the engine reported it (the message without the policy's description line). */
interface Violation {
  policy: string;
  urn?: string;
  message: string;
}

/** The verdict on one scenario. */
export interface Outcome {
  name: string;
  expect: Scenario["expect"];
  stack: string;
  command: "preview" | "up";
  /** The policy that had to refuse it (blocked scenarios). */
  policy?: string;
  code: number;
  ms: number;
  /** Blocked by the expected policy with its message. */
  blocked: boolean;
  /** Exit 0 with no mandatory violation and no error. */
  passed: boolean;
  /** The scenario did what the table says. */
  ok: boolean;
  /** Why not, when not ok. */
  problem?: string;
  mandatory: Violation[];
  /** Mandatory policies that fired without being expected. */
  unexpected: string[];
  advisory: string[];
  errors: string[];
  /** Steps of the preview by operation (`create`, `same`, `read`, `delete`, …). */
  steps: Record<string, number>;
}

/** The engine's refusal to delete or replace a protected resource. */
const PROTECT_ERROR = /marked for protection|because it is protected/;

/** The policy's message without the description line the engine prepends. */
function messageOf(raw: string): string {
  const lines = raw
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.length > 1 ? lines.slice(1).join(" ") : (lines[0] ?? "");
}

export function judge(s: Scenario, run: RunResult): Outcome {
  const report = analyseEvents(run.stdout, new ProtectedSet(), [], []);
  const mandatory = report.violations
    .filter((v) => v.enforcementLevel === "mandatory")
    .map((v) => ({ policy: v.policyName, urn: v.resourceUrn, message: messageOf(v.message) }));
  const advisory = [...new Set(report.violations.filter((v) => v.enforcementLevel !== "mandatory").map((v) => v.policyName))];
  const errors = report.errors.map((e) => e.replace(/\s+/g, " ").slice(0, 600));
  const allowed = new Set([s.policy, ...(s.alsoBy ?? [])]);
  const unexpected = [...new Set(mandatory.map((v) => v.policy).filter((p) => !allowed.has(p)))];
  const hit = mandatory.some((v) => v.policy === s.policy && v.message.includes(s.message ?? "\u0000"));
  const blocked = run.code !== 0 && hit;
  const passed = run.code === 0 && mandatory.length === 0 && errors.length === 0;

  let problem: string | undefined;
  if (s.expect === "blocked") {
    if (!hit)
      problem = `expected ${s.policy} to refuse it with "${s.message}"; mandatory violations: ${mandatory.map((v) => `${v.policy}: ${v.message}`).join(" | ") || "none"}${errors.length ? `; errors: ${errors.join(" | ")}` : ""}`;
    else if (run.code === 0) problem = "the policy reported, but the run exited 0";
    else if (unexpected.length) problem = `also refused by ${unexpected.join(", ")}, which the scenario does not expect`;
    else if (errors.length && !s.checkRejects && !(s.engineRefuses && errors.every((e) => PROTECT_ERROR.test(e))))
      problem = `errors besides the policy: ${errors.join(" | ")}`;
    else if (s.command === "up" && run.resourcesAfter !== 0) problem = `the refused up left ${run.resourcesAfter} resources in the state`;
  } else if (!passed) {
    problem = `expected to pass; exit ${run.code}; mandatory: ${mandatory.map((v) => `${v.policy}: ${v.message}`).join(" | ") || "none"}; errors: ${errors.join(" | ") || (run.code !== 0 ? (run.stderr || run.stdout).trim().split("\n").slice(-3).join(" ") : "none")}`;
  }
  return {
    name: s.name,
    expect: s.expect,
    stack: s.stack,
    command: s.command ?? "preview",
    ...(s.policy ? { policy: s.policy } : {}),
    code: run.code,
    ms: run.ms,
    blocked,
    passed,
    ok: problem === undefined,
    ...(problem ? { problem } : {}),
    mandatory,
    unexpected,
    advisory,
    errors,
    steps: report.summary,
  };
}
