import type { DeployReportData } from "../../../infra/report/deploy-report";

/** Canary secrets: must never appear in a report. */
export const CANARY = { token: "canary-edge-admin-token-7f3a9c1e5b", password: "canaryPgPassw0rd9x" };

const T0 = Date.parse("2026-11-27T00:40:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

/** A realistic promotion: api promoted blue → green (healthy), checkout failed its bake and switched back. */
export function realisticReport(): DeployReportData {
  const api = Array.from({ length: 14 }, (_, i) => {
    const after = i >= 4;
    return {
      at: at(i * 10),
      errorRate: after ? 0.002 + (i % 3) * 0.001 : 0.004 + (i % 2) * 0.001,
      p50Ms: after ? 38 + (i % 4) : 45 + (i % 3),
      p99Ms: after ? 140 + (i % 5) * 6 : 185 + (i % 4) * 8,
      requests: 900 + i * 13,
      slot: (after ? "green" : "blue") as "green" | "blue",
    };
  });
  const checkout = Array.from({ length: 12 }, (_, i) => {
    const bad = i >= 4 && i < 8;
    return {
      at: at(i * 10),
      errorRate: bad ? 0.03 + i * 0.012 : 0.003,
      p50Ms: bad ? 120 : 52,
      p99Ms: bad ? 900 + i * 60 : 210,
      requests: 400 + i * 5,
      slot: (bad ? "blue" : "green") as "green" | "blue",
    };
  });
  return {
    stack: "production",
    startedAt: at(-120),
    finishedAt: at(150),
    outcome: "rolled-back",
    actor: "github-actions (promote #412, approved by alice)",
    commit: "3f9c2ab",
    runUrl: "https://github.com/alphaplatform/stackguard/actions/runs/412",
    changes: [
      { resource: "api-switch", type: "stackguard:TrafficSwitch", op: "update", fields: ["version", "image"] },
      { resource: "checkout-switch", type: "stackguard:TrafficSwitch", op: "update", fields: ["version"] },
      { resource: "shared-env", type: "render:EnvGroup", op: "update", fields: ["envVars.DATABASE_URL"] },
      { resource: `postgresql://platform_user:${CANARY.password}@dpg-x/platform`, type: "render:Postgres", op: "same", fields: [] },
      { resource: "edge", type: "render:Service", op: "same", fields: [] },
    ],
    promotions: [
      {
        app: "api",
        version: "1.5.0",
        previousVersion: "1.4.2",
        from: "blue",
        to: "green",
        result: "promoted",
        analysis: [
          { phase: "pre-switch", verdict: "Successful", reason: "5/5 probes of green answered 2xx under 1000 ms", durationMs: 10_200 },
          {
            phase: "post-switch",
            verdict: "Successful",
            reason: "10 windows: error rate ≤ 0.4% (limit 1%), p99 ≤ 164 ms (limit 1000 ms)",
            durationMs: 100_000,
          },
        ],
        series: api,
        switchedAt: at(35),
        thresholds: { maxErrorRate: 0.01, maxP99LatencyMs: 1000 },
        timings: { deployMs: 21_000, preSwitchMs: 10_200, switchMs: 140, bakeMs: 100_000, totalMs: 131_340 },
      },
      {
        app: "checkout",
        version: "2.1.0",
        previousVersion: "2.0.9",
        from: "green",
        to: "blue",
        result: "rolled-back",
        error: `post-switch analysis failed: error rate 9.1% > 1% in window 3; traffic is back on green (token Bearer ${CANARY.token})`,
        analysis: [
          { phase: "pre-switch", verdict: "Successful", reason: "5/5 probes answered 2xx under 1000 ms", durationMs: 10_100 },
          { phase: "post-switch", verdict: "Failed", reason: "error rate 9.1% > 1% (failureLimit 0)", durationMs: 40_000 },
        ],
        series: checkout,
        switchedAt: at(35),
        switchedBackAt: at(78),
        thresholds: { maxErrorRate: 0.01, maxP99LatencyMs: 1000 },
      },
    ],
    finalSlots: {
      api: { activeSlot: "green", versions: { blue: "1.4.2", green: "1.5.0" } },
      checkout: { activeSlot: "green", versions: { blue: "2.1.0", green: "2.0.9" } },
    },
  };
}
