import type { PromotionEntry, TrafficPoint } from "./data";

/** The plot's palette (also what the screenshot test looks for). */
export const PLOT_COLORS = {
  errorRate: "#d62728",
  p99: "#1f77b4",
  p50: "#7fb3e0",
  threshold: "#ff9f1c",
  switch: "#2ca02c",
  switchBack: "#9467bd",
  grid: "#e3e3e3",
} as const;

const W = 880;
const PANEL_H = 150;
const PAD = { left: 64, right: 40, top: 22, bottom: 26 };

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmtTime(ms: number, t0: number): string {
  const s = Math.round((ms - t0) / 1000);
  return s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s} s`;
}

interface Series {
  label: string;
  color: string;
  values: Array<[number, number]>;
  dashed?: boolean;
}

/** One panel: axes, grid, the series as polylines with dots, a threshold line, and the switch markers. */
function panel(o: {
  y0: number;
  title: string;
  unit: (v: number) => string;
  series: Series[];
  threshold?: number;
  t0: number;
  t1: number;
  marks: Array<{ at: number; color: string; label: string }>;
}): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = PANEL_H - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(o.threshold ?? 0, ...o.series.flatMap((s) => s.values.map(([, v]) => v))) * 1.1);
  const x = (t: number) => PAD.left + (o.t1 === o.t0 ? plotW / 2 : ((t - o.t0) / (o.t1 - o.t0)) * plotW);
  const y = (v: number) => o.y0 + PAD.top + plotH - (v / max) * plotH;
  const parts: string[] = [`<text x="${PAD.left}" y="${o.y0 + 14}" class="ptitle">${esc(o.title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${PLOT_COLORS.grid}"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${esc(o.unit(v))}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const t = o.t0 + ((o.t1 - o.t0) * i) / 4;
    parts.push(`<text x="${x(t).toFixed(1)}" y="${o.y0 + PANEL_H - 8}" text-anchor="middle" class="tick">${esc(fmtTime(t, o.t0))}</text>`);
  }
  if (o.threshold !== undefined) {
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(o.threshold).toFixed(1)}" y2="${y(o.threshold).toFixed(1)}" stroke="${PLOT_COLORS.threshold}" stroke-width="2" stroke-dasharray="6 4"/>`,
    );
    parts.push(
      `<text x="${W - PAD.right}" y="${(y(o.threshold) - 4).toFixed(1)}" text-anchor="end" class="tick" fill="${PLOT_COLORS.threshold}">limit ${esc(o.unit(o.threshold))}</text>`,
    );
  }
  for (const m of o.marks) {
    parts.push(
      `<line x1="${x(m.at).toFixed(1)}" x2="${x(m.at).toFixed(1)}" y1="${o.y0 + PAD.top}" y2="${o.y0 + PAD.top + plotH}" stroke="${m.color}" stroke-width="2"/>`,
    );
    // A marker near the right edge (a switch back ends the series) gets its label on its left.
    const left = x(m.at) > W - PAD.right - 130;
    parts.push(
      `<text x="${(x(m.at) + (left ? -4 : 4)).toFixed(1)}" y="${o.y0 + PAD.top + 10}"${left ? ' text-anchor="end"' : ""} class="tick" fill="${m.color}">${esc(m.label)}</text>`,
    );
  }
  for (const s of o.series) {
    if (!s.values.length) continue;
    const pts = s.values.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="4 3"' : ""} points="${pts}"/>`);
    for (const [t, v] of s.values) parts.push(`<circle cx="${x(t).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${s.color}"/>`);
  }
  const legend = o.series.map(
    (s, i) =>
      `<rect x="${W - PAD.right - 250 + i * 120}" y="${o.y0 + 5}" width="12" height="4" fill="${s.color}"/><text x="${W - PAD.right - 234 + i * 120}" y="${o.y0 + 11}" class="tick">${esc(s.label)}</text>`,
  );
  return parts.join("") + legend.join("");
}

/**
 * An inline SVG of one promotion's traffic through the edge: error rate and latency (p50, p99) per window, the limits
 * the analysis judged them against, and the switch (and switch back) as vertical lines. No script, no external asset.
 */
export function trafficPlotSvg(p: PromotionEntry): string {
  const pts: TrafficPoint[] = [...p.series].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  if (!pts.length) return `<p class="muted">No traffic windows were recorded for ${esc(p.app)}.</p>`;
  const times = pts.map((q) => Date.parse(q.at));
  const marks = [
    ...(p.switchedAt ? [{ at: Date.parse(p.switchedAt), color: PLOT_COLORS.switch, label: `switch → ${p.to}` }] : []),
    ...(p.switchedBackAt ? [{ at: Date.parse(p.switchedBackAt), color: PLOT_COLORS.switchBack, label: `switch back → ${p.from}` }] : []),
  ];
  const t0 = Math.min(...times, ...marks.map((m) => m.at));
  const t1 = Math.max(...times, ...marks.map((m) => m.at));
  const pick = (f: (q: TrafficPoint) => number | undefined) => pts.flatMap((q) => (f(q) === undefined ? [] : [[Date.parse(q.at), f(q)!] as [number, number]]));
  const body = [
    panel({
      y0: 0,
      title: `${p.app}: error rate through the edge`,
      unit: (v) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`,
      t0,
      t1,
      marks,
      series: [{ label: "error rate", color: PLOT_COLORS.errorRate, values: pick((q) => q.errorRate) }],
      threshold: p.thresholds?.maxErrorRate,
    }),
    panel({
      y0: PANEL_H,
      title: `${p.app}: latency`,
      unit: (v) => `${Math.round(v)} ms`,
      t0,
      t1,
      marks,
      series: [
        { label: "p99", color: PLOT_COLORS.p99, values: pick((q) => q.p99Ms) },
        { label: "p50", color: PLOT_COLORS.p50, values: pick((q) => q.p50Ms), dashed: true },
      ],
      threshold: p.thresholds?.maxP99LatencyMs,
    }),
  ].join("");
  return `<svg role="img" aria-label="${esc(`${p.app}: error rate and latency through the switch`)}" viewBox="0 0 ${W} ${PANEL_H * 2}" width="${W}" height="${PANEL_H * 2}">${body}</svg>`;
}
