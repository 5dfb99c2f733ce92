import { StackConfig } from "../config/schema";
import { PriceTable, postgresPlanPrice, servicePlanPrice } from "./prices";

/** What a line of the report pays for. */
type CostRole = "active" | "warm-slot" | "edge" | "worker" | "static" | "database" | "database-storage" | "database-standby";

/** One priced Render resource (or part of one). All amounts are monthly, in the table's currency. */
interface CostLine {
  /** App name, `edge` or the database's name. */
  component: string;
  /** The Render resource the line prices, e.g. `api-blue/green (active)`. */
  resource: string;
  role: CostRole;
  /** Instance type or Postgres plan (`-` for storage and static sites). */
  plan: string;
  /** Instances billed in the baseline (storage lines: GB). */
  quantity: number;
  unitPrice: number;
  /** `quantity × unitPrice`: what runs all month at the baseline. */
  monthly: number;
  /** What autoscaling may add on top, at its maximum (0 without autoscaling). */
  autoscalingExtra: number;
}

/** The monthly cost of one stack. */
export interface CostReport {
  stack: string;
  environment: StackConfig["environment"];
  currency: string;
  priceTable: { retrieved: string; file: string };
  lines: CostLine[];
  totals: {
    /** Everything at its baseline instance count (autoscaling at min). */
    baseline: number;
    /** Of the baseline: the idle blue/green slots kept warm for one-switch rollback. */
    warmSlots: number;
    /** What autoscaling may add with every autoscaled service at max. */
    autoscalingMaxExtra: number;
    /** `baseline + autoscalingMaxExtra`. */
    maximum: number;
  };
  /** Assumptions the figures rest on (printed with the table). */
  assumptions: string[];
}

/** Options for {@link estimateStackCost}. */
export interface EstimateOptions {
  /** Provisioned Postgres storage, GB (default: the table's `assumedStorageGB`). */
  dbStorageGB?: number;
  /** Shown in the report as where the prices came from. */
  priceTableFile?: string;
}

/** Cents-exact rounding, so that totals add up to the sum of their printed lines. */
const money = (n: number) => Math.round(n * 100) / 100;

/** Baseline and maximum instance counts: autoscaling runs between min and max; otherwise a fixed count. */
function instanceRange(s: { instances: number; autoscaling?: { min: number; max: number } }): { base: number; max: number } {
  return s.autoscaling ? { base: s.autoscaling.min, max: s.autoscaling.max } : { base: s.instances, max: s.instances };
}

function serviceLine(table: PriceTable, component: string, resource: string, role: CostRole, plan: string, range: { base: number; max: number }): CostLine {
  const unit = servicePlanPrice(table, plan);
  return {
    component,
    resource,
    role,
    plan,
    quantity: range.base,
    unitPrice: unit,
    monthly: money(unit * range.base),
    autoscalingExtra: money(unit * (range.max - range.base)),
  };
}

/**
 * Prices a stack from its validated config and a price table: each blue/green app as an active slot plus a warm
 * idle slot, workers, the edge, static sites, and the database with its storage and HA standby.
 * @throws UnpricedPlanError when the table has no figure for a plan the stack uses
 */
export function estimateStackCost(stack: string, cfg: StackConfig, table: PriceTable, opts: EstimateOptions = {}): CostReport {
  const lines: CostLine[] = [];
  for (const [name, app] of Object.entries(cfg.apps)) {
    if (app.kind === "blueGreen") {
      const range = instanceRange(app);
      lines.push(serviceLine(table, name, `${name}-blue/green (active slot)`, "active", app.plan, range));
      // The idle slot gets no traffic, so autoscaling keeps it at min; it keeps full baseline capacity so that a
      // rollback switch can take the whole load at once.
      lines.push(serviceLine(table, name, `${name}-blue/green (warm idle slot)`, "warm-slot", app.plan, { base: range.base, max: range.base }));
    } else if (app.kind === "worker") {
      lines.push(serviceLine(table, name, `${name} (background worker)`, "worker", app.plan, instanceRange(app)));
    } else {
      const unit = table.staticSite.monthly;
      lines.push({
        component: name,
        resource: `${name} (static site)`,
        role: "static",
        plan: "-",
        quantity: 1,
        unitPrice: unit,
        monthly: money(unit),
        autoscalingExtra: 0,
      });
    }
  }
  lines.push(serviceLine(table, "edge", "edge (web service)", "edge", cfg.edge.plan, instanceRange(cfg.edge)));

  const db = cfg.database;
  const pg = table.postgres;
  const storageGB = opts.dbStorageGB ?? pg.assumedStorageGB.value;
  if (!Number.isFinite(storageGB) || storageGB <= 0) throw new Error(`--db-storage-gb must be a positive number of GB (got ${storageGB}).`);
  const instance = postgresPlanPrice(table, db.plan);
  lines.push({
    component: db.name,
    resource: `${db.name} (Postgres primary)`,
    role: "database",
    plan: db.plan,
    quantity: 1,
    unitPrice: instance,
    monthly: money(instance),
    autoscalingExtra: 0,
  });
  const storageUnit = pg.storagePerGBMonth.value;
  lines.push({
    component: db.name,
    resource: `${db.name} storage (GB)`,
    role: "database-storage",
    plan: "-",
    quantity: storageGB,
    unitPrice: storageUnit,
    monthly: money(storageGB * storageUnit),
    autoscalingExtra: 0,
  });
  // After `npm run db:restore`, the recovered database serves the apps while the declared one is kept: both are billed.
  const restored = (db as { restore?: { name: string } }).restore;
  if (restored) {
    lines.push({
      component: restored.name,
      resource: `${restored.name} (recovered Postgres + storage)`,
      role: "database",
      plan: db.plan,
      quantity: 1,
      unitPrice: money(instance + storageGB * storageUnit),
      monthly: money(instance + storageGB * storageUnit),
      autoscalingExtra: 0,
    });
  }
  const assumptions = [
    `Prices: infra/cost/render-prices.json, gathered ${table.retrieved}; ${table.billingNote}`,
    `Postgres storage: ${storageGB} GB provisioned${opts.dbStorageGB === undefined ? ` (${pg.assumedStorageGB.note.replace(/\.$/, "")})` : " (from --db-storage-gb)"}.`,
    "Blue/green: the idle slot stays warm at the active slot's baseline instance count (rollback is one switch), and autoscaling, with no traffic on it, keeps it at min.",
  ];
  if (db.highAvailability) {
    const ha = pg.highAvailability;
    if (!ha.planPrefixes.some((p) => db.plan.startsWith(p))) {
      throw new Error(
        `stackguard:database.highAvailability is true but plan '${db.plan}' has no high availability on Render (only ${ha.planPrefixes.map((p) => `${p}*`).join(", ")}): choose such a plan or turn it off in Pulumi.${stack}.yaml.`,
      );
    }
    const extra = ha.multiplier - 1;
    const standbyStorage = ha.appliesToStorage ? storageGB * storageUnit : 0;
    lines.push({
      component: db.name,
      resource: `${db.name} (HA standby${ha.appliesToStorage ? " + its storage" : ""})`,
      role: "database-standby",
      plan: db.plan,
      quantity: extra,
      unitPrice: money(instance + standbyStorage),
      monthly: money(extra * (instance + standbyStorage)),
      autoscalingExtra: 0,
    });
    assumptions.push(`High availability: ${ha.note}`);
  }

  const sum = (f: (l: CostLine) => number, only?: (l: CostLine) => boolean) => money(lines.filter(only ?? (() => true)).reduce((a, l) => a + f(l), 0));
  const baseline = sum((l) => l.monthly);
  const autoscalingMaxExtra = sum((l) => l.autoscalingExtra);
  return {
    stack,
    environment: cfg.environment,
    currency: table.currency,
    priceTable: { retrieved: table.retrieved, file: opts.priceTableFile ?? "infra/cost/render-prices.json" },
    lines,
    totals: {
      baseline,
      warmSlots: sum(
        (l) => l.monthly,
        (l) => l.role === "warm-slot",
      ),
      autoscalingMaxExtra,
      maximum: money(baseline + autoscalingMaxExtra),
    },
    assumptions,
  };
}
