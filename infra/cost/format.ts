import { CostReport } from "./estimate";

const usd = (n: number) => `$${n.toFixed(2)}`;

/** Renders a {@link CostReport} as a plain-text table for a terminal or a CI log. */
export function formatCostTable(r: CostReport): string {
  const head = ["resource", "plan", "qty", "unit/mo", "monthly", "autoscale +max"];
  const rows = r.lines.map((l) => [
    l.resource,
    l.plan,
    String(l.quantity),
    usd(l.unitPrice),
    usd(l.monthly),
    l.autoscalingExtra ? usd(l.autoscalingExtra) : "-",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const numeric = (i: number) => i >= 2;
  const fmt = (row: string[]) =>
    row
      .map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const t = r.totals;
  return [
    `Monthly cost of stack '${r.stack}' (${r.environment}), ${r.currency}, prices of ${r.priceTable.retrieved} (${r.priceTable.file})`,
    "",
    fmt(head),
    rule,
    ...rows.map(fmt),
    rule,
    `baseline (all services at their baseline instance count)   ${usd(t.baseline)}`,
    `  of which warm idle blue/green slots                       ${usd(t.warmSlots)}`,
    `autoscaling may add, at max                                 ${usd(t.autoscalingMaxExtra)}`,
    `maximum                                                     ${usd(t.maximum)}`,
    "",
    "Assumptions:",
    ...r.assumptions.map((a) => `  - ${a}`),
    "",
  ].join("\n");
}
