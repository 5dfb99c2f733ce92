import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { POSTGRES_PLANS, SERVICE_PLANS } from "../config/render-enums";

/** The committed price table. */
export const DEFAULT_PRICE_TABLE = path.join(__dirname, "render-prices.json");

const sourceIds = z.array(z.string().min(1));
/** A monthly price, or `null` when no source gave one (the report then refuses to guess). */
const monthly = z.number().nonnegative().nullable();

const planPrice = z.looseObject({ monthly, source: sourceIds, note: z.string().optional() });

/** The shape of `infra/cost/render-prices.json`. Every plan of the config schema's enums must be listed. */
const PriceTableSchema = z
  .object({
    $comment: z.string().optional(),
    currency: z.literal("USD"),
    period: z.literal("month"),
    /** The day the figures were gathered (YYYY-MM-DD). */
    retrieved: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date such as 2026-11-26"),
    billingNote: z.string(),
    sources: z.record(z.string(), z.object({ title: z.string(), url: z.string(), asOf: z.string().nullable() }).strict()),
    services: z.record(z.enum(SERVICE_PLANS), planPrice.extend({ cpu: z.number().optional(), memoryGB: z.number().optional() })),
    staticSite: z.object({ monthly: z.number().nonnegative(), source: sourceIds }).strict(),
    postgres: z
      .object({
        plans: z.record(z.enum(POSTGRES_PLANS), planPrice),
        storagePerGBMonth: z.object({ value: z.number().nonnegative(), source: sourceIds }).strict(),
        assumedStorageGB: z.object({ value: z.number().int().positive(), note: z.string() }).strict(),
        highAvailability: z
          .object({
            multiplier: z.number().min(1),
            planPrefixes: z.array(z.string().min(1)).min(1),
            appliesToStorage: z.boolean(),
            source: sourceIds,
            note: z.string(),
          })
          .strict(),
      })
      .strict(),
  })
  .strict()
  .superRefine((t, ctx) => {
    // Every cited source must be defined, so that each figure can be traced.
    const cite = (ids: string[], at: (string | number)[]) => {
      for (const id of ids) if (!(id in t.sources)) ctx.addIssue({ code: "custom", path: at, message: `cites unknown source '${id}': add it to "sources"` });
    };
    for (const [plan, p] of Object.entries(t.services)) {
      cite(p.source, ["services", plan, "source"]);
      if (p.monthly !== null && p.source.length === 0)
        ctx.addIssue({ code: "custom", path: ["services", plan, "source"], message: "a price needs at least one source" });
    }
    for (const [plan, p] of Object.entries(t.postgres.plans)) {
      cite(p.source, ["postgres", "plans", plan, "source"]);
      if (p.monthly !== null && p.source.length === 0)
        ctx.addIssue({ code: "custom", path: ["postgres", "plans", plan, "source"], message: "a price needs at least one source" });
    }
    cite(t.staticSite.source, ["staticSite", "source"]);
    cite(t.postgres.storagePerGBMonth.source, ["postgres", "storagePerGBMonth", "source"]);
    cite(t.postgres.highAvailability.source, ["postgres", "highAvailability", "source"]);
  });

/** A validated price table. */
export type PriceTable = z.infer<typeof PriceTableSchema>;

/** A price the table does not have (a `null` figure, or a plan it does not list). */
export class UnpricedPlanError extends Error {
  constructor(
    readonly kind: "service" | "postgres",
    readonly plan: string,
    file = "infra/cost/render-prices.json",
  ) {
    super(
      `no documented monthly price for ${kind === "service" ? "service instance type" : "Postgres plan"} '${plan}' in ${file}: add it there with its source (Render's pricing page) before reporting this stack's cost.`,
    );
    this.name = "UnpricedPlanError";
  }
}

/**
 * Reads and validates a price table.
 * @throws Error naming the file and each invalid field
 */
export function loadPriceTable(file: string = DEFAULT_PRICE_TABLE): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`cannot read the price table ${file}: ${(e as Error).message}`, { cause: e });
  }
  const parsed = PriceTableSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`invalid price table ${file}:\n${problems.join("\n")}`);
  }
  return parsed.data;
}

/** Monthly price of one instance of a service plan. */
export function servicePlanPrice(table: PriceTable, plan: string): number {
  const p = (table.services as Record<string, { monthly: number | null } | undefined>)[plan];
  if (!p || p.monthly === null) throw new UnpricedPlanError("service", plan);
  return p.monthly;
}

/** Monthly price of a Postgres instance (without storage or HA). */
export function postgresPlanPrice(table: PriceTable, plan: string): number {
  const p = (table.postgres.plans as Record<string, { monthly: number | null } | undefined>)[plan];
  if (!p || p.monthly === null) throw new UnpricedPlanError("postgres", plan);
  return p.monthly;
}
