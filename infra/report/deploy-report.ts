/**
 * The deploy report: one self-contained HTML file per promotion (what changed, the analysis verdicts, a plot of error
 * rate and latency through the switch, the final active slots), uploaded by the promote workflow. Inline CSS and SVG
 * only: no script, no font, no image, nothing fetched, so it opens anywhere, offline, years later. Every string goes
 * through the client's redaction (registered secrets, credential-shaped text, plus `secrets` given here) and HTML
 * escaping.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { redact } from "../render/redact";
import { DeployReportDataSchema, type DeployReport, type DeployReportData, type PromotionEntry } from "./data";
import { trafficPlotSvg } from "./plot";

export type { DeployReportData } from "./data";

/** Options for {@link renderDeployReport} and {@link writeDeployReport}. */
export interface ReportOptions {
  /** Extra literal values that must never appear (the edge admin token, API keys…). */
  secrets?: ReadonlyArray<string | undefined>;
}

const CSS = `
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif;margin:24px 32px;color:#1d1d1f;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:6px 0 10px}th,td{border:1px solid #d0d0d0;padding:4px 9px;text-align:left;vertical-align:top}th{background:#f3f4f6}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;color:#fff;font-weight:600;font-size:12px}
.ok{background:#2ca02c}.bad{background:#d62728}.warn{background:#e08e0b}.neutral{background:#6b7280}
.muted{color:#6b7280}.meta td{border:none;padding:1px 12px 1px 0}.ptitle{font:600 12px sans-serif}.tick{font:11px sans-serif;fill:#444}
code{background:#f3f4f6;padding:0 4px;border-radius:3px}`;

function badge(text: string): string {
  const cls = /^(succeeded|promoted|Successful|available)$/.test(text)
    ? "ok"
    : /^(failed|Failed|Error|rolled-back)$/.test(text)
      ? "bad"
      : /Inconclusive|inconclusive/.test(text)
        ? "warn"
        : "neutral";
  return `<span class="badge ${cls}">${text}</span>`;
}

function promotionSection(p: PromotionEntry, t: (s: string | undefined) => string): string {
  const analysis = p.analysis.length
    ? `<table><tr><th>phase</th><th>verdict</th><th>why</th><th>took</th></tr>${p.analysis.map((a) => `<tr><td>${t(a.phase)}</td><td>${badge(t(a.verdict))}</td><td>${t(a.reason)}</td><td>${a.durationMs === undefined ? "" : `${(a.durationMs / 1000).toFixed(1)} s`}</td></tr>`).join("")}</table>`
    : `<p class="muted">No analysis ran (nothing to move).</p>`;
  const timings = p.timings
    ? `<p class="muted">${Object.entries(p.timings)
        .map(([k, v]) => `${t(k.replace(/Ms$/, ""))} ${(v / 1000).toFixed(1)} s`)
        .join(" · ")}</p>`
    : "";
  return `<h3>${t(p.app)}: ${t(p.previousVersion ?? "?")} → ${t(p.version)} (${t(p.from)} → ${t(p.to)}) ${badge(t(p.result))}</h3>
${p.error ? `<p><strong>Stopped:</strong> ${t(p.error)}</p>` : ""}${analysis}${timings}
${trafficPlotSvgSafe(p, t)}`;
}

/** The plot with every text already redacted (app names and slot labels pass through the same filter). */
function trafficPlotSvgSafe(p: PromotionEntry, t: (s: string | undefined) => string): string {
  const unescape = (s: string) => s.replace(/&#(\d+);/g, (_m, c) => String.fromCharCode(Number(c)));
  return trafficPlotSvg({ ...p, app: unescape(t(p.app)) });
}

/**
 * Renders the report as one HTML document.
 * @throws Error naming the field when `data` does not match {@link DeployReportDataSchema}
 */
export function renderDeployReport(data: DeployReportData, opts: ReportOptions = {}): string {
  const parsed = DeployReportDataSchema.safeParse(data);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`deploy report data ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  const r: DeployReport = parsed.data;
  const t = (s: string | undefined) => (s === undefined ? "" : redact(String(s), opts.secrets ?? []).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`));
  const changed = r.changes.filter((c) => c.op !== "same");
  const counts = Object.entries(changed.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c.op]: (acc[c.op] ?? 0) + 1 }), {}))
    .map(([op, n]) => `${op}: ${n}`)
    .join(", ");
  const applied = Object.entries(r.changeSummary ?? {}).filter(([op, n]) => op !== "same" && n > 0);
  const summary = r.changeSummary
    ? `<p>Applied by the update (pulumi stack history): ${applied.length ? t(applied.map(([op, n]) => `${op} ${n}`).join(", ")) : "no change"}${r.changeSummary.same ? t(`; ${r.changeSummary.same} unchanged`) : ""}.</p>`
    : "";
  const source = r.changesSource ? `<p class="muted">Per resource, from ${t(r.changesSource)}:</p>` : "";
  const changes = changed.length
    ? `${summary}${source}<table><tr><th>resource</th><th>type</th><th>operation</th><th>fields</th></tr>${changed.map((c) => `<tr><td>${t(c.resource)}</td><td><code>${t(c.type)}</code></td><td>${t(c.op)}</td><td>${c.fields.map(t).join(", ")}</td></tr>`).join("")}</table>`
    : applied.length
      ? `${summary}<p class="muted">The per-resource list needs the update's plan or preview: pass --changes &lt;gate dir | plan | preview JSON&gt;.</p>`
      : `${summary}<p class="muted">No resource changed.</p>`;
  const slots = Object.keys(r.finalSlots).length
    ? `<table><tr><th>app</th><th>active slot</th><th>blue</th><th>green</th></tr>${Object.entries(r.finalSlots)
        .map(
          ([app, s]) =>
            `<tr><td>${t(app)}</td><td><strong>${t(s.activeSlot)}</strong></td><td>${t(s.versions.blue ?? "—")}${s.activeSlot === "blue" ? " (live)" : " (warm)"}</td><td>${t(s.versions.green ?? "—")}${s.activeSlot === "green" ? " (live)" : " (warm)"}</td></tr>`,
        )
        .join("")}</table>`
    : `<p class="muted">No blue/green app in this stack.</p>`;
  const took = ((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(0);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Deploy report: ${t(r.stack)} ${t(r.startedAt)}</title><style>${CSS}</style></head>
<body>
<h1>Deploy report: stack <code>${t(r.stack)}</code> ${badge(t(r.outcome))}</h1>
<table class="meta"><tr><td>started</td><td>${t(r.startedAt)}</td><td>finished</td><td>${t(r.finishedAt)} (${took} s)</td></tr>
<tr><td>by</td><td>${t(r.actor ?? "—")}</td><td>commit</td><td><code>${t(r.commit ?? "—")}</code></td></tr>
${r.runUrl ? `<tr><td>run</td><td colspan="3">${t(r.runUrl)}</td></tr>` : ""}</table>
${r.notes.map((n) => `<p><strong>Note:</strong> ${t(n)}</p>`).join("\n")}
<h2>What changed${counts ? ` (${t(counts)})` : applied.length ? ` (${t(applied.map(([op, n]) => `${op}: ${n}`).join(", "))})` : ""}</h2>
${changes}
<h2>Promotions and analysis</h2>
${r.promotions.length ? r.promotions.map((p) => promotionSection(p, t)).join("\n") : `<p class="muted">No promotion in this update.</p>`}
<h2>Active slots after the update</h2>
${slots}
<p class="muted">Generated by stackguard (infra/report/deploy-report.ts). Self-contained: no script, nothing loaded from elsewhere.</p>
</body></html>
`;
}

/**
 * Renders the report and writes it to `file` (directories created; written to a temporary name, then renamed, so a
 * reader never sees half a report).
 * @returns the absolute path and size in bytes
 */
export function writeDeployReport(data: DeployReportData, file: string, opts: ReportOptions = {}): { file: string; bytes: number } {
  const html = renderDeployReport(data, opts);
  const abs = path.resolve(file);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  const tmp = `${abs}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, html);
  fs.renameSync(tmp, abs);
  return { file: abs, bytes: Buffer.byteLength(html) };
}
