import * as path from "node:path";
import { StackConfig } from "../../../infra/config/schema";
import { estimateStackCost } from "../../../infra/cost/estimate";
import { loadPriceTable, PriceTable, UnpricedPlanError } from "../../../infra/cost/prices";
import { readStackConfigFile } from "../../../infra/cost/read-stack-file";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const table = loadPriceTable();
const svc = (plan: string) => table.services[plan as keyof PriceTable["services"]].monthly as number;
const pg = (plan: string) => table.postgres.plans[plan as keyof PriceTable["postgres"]["plans"]].monthly as number;

/** A fresh copy of a committed stack's validated config, to break one property per test. */
function config(stack: string): StackConfig {
  return structuredClone(readStackConfigFile(stack, ROOT));
}

describe("estimateStackCost", () => {
  it("prices production line by line from the table: slots, worker, edge, database, storage and HA standby", () => {
    const cfg = config("production");
    const r = estimateStackCost("production", cfg, table);
    const api = cfg.apps.api;
    const worker = cfg.apps.worker;
    if (api.kind !== "blueGreen" || worker.kind !== "worker") throw new Error("fixture changed: api must be blue/green, worker a worker");
    const apiBase = api.autoscaling ? api.autoscaling.min : api.instances;
    const storage = table.postgres.assumedStorageGB.value * table.postgres.storagePerGBMonth.value;
    const byRole = (role: string) => r.lines.filter((l) => l.role === role);

    expect(byRole("active")[0].monthly).toBeCloseTo(svc(api.plan) * apiBase, 2);
    expect(byRole("warm-slot")[0].monthly).toBeCloseTo(svc(api.plan) * apiBase, 2);
    expect(byRole("worker")[0].monthly).toBeCloseTo(svc(worker.plan) * worker.instances, 2);
    expect(byRole("edge")[0].monthly).toBeCloseTo(svc(cfg.edge.plan) * cfg.edge.instances, 2);
    expect(byRole("database")[0].monthly).toBeCloseTo(pg(cfg.database.plan), 2);
    expect(byRole("database-storage")[0].monthly).toBeCloseTo(storage, 2);
    expect(cfg.database.highAvailability).toBe(true);
    expect(byRole("database-standby")[0].monthly).toBeCloseTo((table.postgres.highAvailability.multiplier - 1) * (pg(cfg.database.plan) + storage), 2);
    expect(byRole("static")[0].monthly).toBe(table.staticSite.monthly);
  });

  it("adds up: baseline is the sum of the lines; maximum adds autoscaling to its max on the active slot only", () => {
    const cfg = config("production");
    const r = estimateStackCost("production", cfg, table);
    const api = cfg.apps.api;
    if (api.kind !== "blueGreen" || !api.autoscaling) throw new Error("fixture changed: production api must autoscale");
    expect(r.totals.baseline).toBeCloseTo(
      r.lines.reduce((a, l) => a + l.monthly, 0),
      2,
    );
    expect(r.totals.autoscalingMaxExtra).toBeCloseTo(svc(api.plan) * (api.autoscaling.max - api.autoscaling.min), 2);
    expect(r.totals.maximum).toBeCloseTo(r.totals.baseline + r.totals.autoscalingMaxExtra, 2);
    expect(r.lines.find((l) => l.role === "warm-slot")!.autoscalingExtra).toBe(0);
  });

  it("reports the warm idle slot's cost on its own", () => {
    const r = estimateStackCost("staging", config("staging"), table);
    expect(r.totals.warmSlots).toBeCloseTo(
      r.lines.filter((l) => l.role === "warm-slot").reduce((a, l) => a + l.monthly, 0),
      2,
    );
    expect(r.totals.warmSlots).toBeGreaterThan(0);
  });

  it("uses a fixed instance count when there is no autoscaling, and adds nothing for it", () => {
    const cfg = config("production");
    const api = cfg.apps.api;
    if (api.kind !== "blueGreen") throw new Error("fixture changed");
    delete api.autoscaling;
    api.instances = 3;
    const r = estimateStackCost("production", cfg, table);
    expect(r.lines.find((l) => l.role === "active")!.quantity).toBe(3);
    expect(r.totals.autoscalingMaxExtra).toBe(0);
    expect(r.totals.maximum).toBe(r.totals.baseline);
  });

  it("counts the edge's autoscaling range in the maximum", () => {
    const cfg = config("production");
    cfg.edge.autoscaling = { min: 2, max: 5, cpuPercent: 60 };
    const r = estimateStackCost("production", cfg, table);
    const edge = r.lines.find((l) => l.role === "edge")!;
    expect(edge.quantity).toBe(2);
    expect(edge.autoscalingExtra).toBeCloseTo(svc(cfg.edge.plan) * 3, 2);
    expect(r.totals.autoscalingMaxExtra).toBeCloseTo(
      r.lines.reduce((a, l) => a + l.autoscalingExtra, 0),
      2,
    );
  });

  it("bills a recovered database next to the declared one while a restore is in place", () => {
    const cfg = config("staging");
    (cfg.database as Record<string, unknown>).restore = {
      id: "dpg-restored00000000000-a",
      name: "platform-db-staging-restored",
      sourceId: "dpg-source000000000000-a",
      restoreTime: "2026-11-26T10:00:00Z",
    };
    const r = estimateStackCost("staging", cfg, table);
    const line = r.lines.find((l) => l.component === "platform-db-staging-restored")!;
    expect(line.monthly).toBeCloseTo(pg(cfg.database.plan) + table.postgres.assumedStorageGB.value * table.postgres.storagePerGBMonth.value, 2);
    expect(r.totals.baseline).toBeCloseTo(estimateStackCost("staging", config("staging"), table).totals.baseline + line.monthly, 2);
  });

  it("has no standby line without high availability", () => {
    const cfg = config("production");
    cfg.database.highAvailability = false;
    expect(estimateStackCost("production", cfg, table).lines.some((l) => l.role === "database-standby")).toBe(false);
  });

  it("takes the storage size from the option", () => {
    const r = estimateStackCost("staging", config("staging"), table, { dbStorageGB: 50 });
    expect(r.lines.find((l) => l.role === "database-storage")!.monthly).toBeCloseTo(50 * table.postgres.storagePerGBMonth.value, 2);
    expect(r.assumptions.join("\n")).toContain("--db-storage-gb");
  });

  it("refuses a plan the table has no figure for, naming the plan and the file", () => {
    const cfg = config("staging");
    cfg.database.plan = "pro_8gb";
    expect(table.postgres.plans.pro_8gb.monthly).toBeNull();
    expect(() => estimateStackCost("staging", cfg, table)).toThrow(UnpricedPlanError);
    expect(() => estimateStackCost("staging", cfg, table)).toThrow(/Postgres plan 'pro_8gb' in infra\/cost\/render-prices\.json/);
  });

  it("refuses high availability on a plan Render offers none for, naming the key", () => {
    const cfg = config("staging");
    cfg.database.highAvailability = true; // basic_1gb
    expect(() => estimateStackCost("staging", cfg, table)).toThrow(/stackguard:database\.highAvailability .* plan 'basic_1gb'/);
  });

  it("rejects a storage size that is not positive", () => {
    expect(() => estimateStackCost("staging", config("staging"), table, { dbStorageGB: 0 })).toThrow(/--db-storage-gb/);
  });
});
