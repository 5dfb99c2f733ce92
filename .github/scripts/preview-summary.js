#!/usr/bin/env node
"use strict";
/**
 * Turns `pulumi preview --json` output into the markdown of a PR comment or a job summary.
 *
 * Usage: preview-summary.js --stack <stack> --preview <preview.json> [--exit-code <n>] [--gate-exit-code <n>]
 *          [--gate-report <report.txt>] [--run-url <url>]
 *        preview-summary.js --count-changes --preview <preview.json>   (prints the number of proposed changes)
 *
 * Secret-free by construction: it reads only each step's operation, resource type and name and the names of the
 * properties that differ (never old or new values), the change counts, the policy violations and the error and
 * warning diagnostics' messages (never the program's raw output); and it removes
 * from its output every value of the environment's secrets (RENDER_API_KEY, PULUMI_ACCESS_TOKEN, any `…_TOKEN`,
 * `…_SECRET`, `…_PASSWORD`…) and every credential shape (infra/redact) in case a provider quoted one in an error.
 * It never reads raw logs.
 * The first line is the hidden marker `<!-- stackguard:preview:<stack> -->` that makes the comment updatable.
 */
const fs = require("node:fs");
// The project's one redaction module (plain JS, so this script needs no ts-node).
const { redact: redactText, secretEnvValues } = require("../../infra/redact");
const MAX_ROWS = 60;
const MAX_MESSAGE = 400;

/** Removes terminal colour codes (ESC [ … m), which the engine's messages may carry. */
function stripAnsi(text) {
  return text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "");
}

function marker(stack) {
  return `<!-- stackguard:preview:${stack} -->`;
}

/** `urn:pulumi:stack::project::a$b:c:Type::name` → { type: "b:c:Type", name }. */
function parseUrn(urn) {
  const parts = String(urn).split("::");
  const name = parts[parts.length - 1] ?? urn;
  const typeChain = parts[parts.length - 2] ?? "";
  const type = typeChain.split("$").pop();
  return { type, name };
}

/**
 * Every secret environment value (infra/redact's list and name pattern, not a list of its own) and every
 * credential shape, shown as `[secret]` like the engine's own secret marker.
 */
function redactor(env = process.env) {
  const values = secretEnvValues(env);
  return (text) => redactText(String(text), values, { mask: "[secret]" });
}

/** Escapes text for a markdown table cell. */
function cell(text) {
  return String(text).replace(/\|/g, "\\|").replace(/\r?\n/g, " ").replace(/</g, "&lt;");
}

/**
 * Builds the markdown summary of one stack's preview.
 * @param {{ stack: string, preview: any, exitCode?: number, gateExitCode?: number, gateReport?: string, runUrl?: string, env?: NodeJS.ProcessEnv }} o
 */
function summarize({ stack, preview, exitCode = 0, gateExitCode, gateReport, runUrl, env = process.env }) {
  const redact = redactor(env);
  const changes = changedSteps(preview);
  const diagnostics = (Array.isArray(preview?.diagnostics) ? preview.diagnostics : []).filter((d) => d.severity === "error" || d.severity === "warning");
  const counts = preview?.changeSummary && typeof preview.changeSummary === "object" ? preview.changeSummary : {};

  const ok = exitCode === 0 && (gateExitCode === undefined || gateExitCode === 0);
  const status = ok ? "✅ preview passed" : exitCode !== 0 ? `❌ preview failed (exit ${exitCode})` : `❌ AlphaStack gate failed (exit ${gateExitCode})`;
  const lines = [marker(stack), `### \`pulumi preview\` — stack \`${stack}\``, "", `**${status}**${gateExitCode === 0 ? " · AlphaStack gate passed" : ""}`, ""];

  const countText = Object.entries(counts)
    .filter(([, n]) => Number(n) > 0)
    .map(([op, n]) => `${op}: ${n}`)
    .join(" · ");
  lines.push(`Changes: ${countText || "none"}`, "");

  if (changes.length > 0) {
    lines.push("| op | type | name | properties |", "|---|---|---|---|");
    for (const s of changes.slice(0, MAX_ROWS)) {
      const { type, name } = parseUrn(s.urn);
      const props = [...new Set([...(s.diffReasons ?? []), ...(s.replaceReasons ?? [])])].join(", ");
      lines.push(`| ${cell(s.op)} | \`${cell(type)}\` | ${cell(name)} | ${cell(props)} |`);
    }
    if (changes.length > MAX_ROWS) lines.push(`| … | | ${changes.length - MAX_ROWS} more | |`);
    lines.push("");
  }

  const violations = Array.isArray(preview?.policyViolations) ? preview.policyViolations : [];
  if (violations.length > 0) {
    lines.push("**Policies**", "", "| level | policy | resource | message |", "|---|---|---|---|");
    const order = { mandatory: 0, remediate: 1, advisory: 2 };
    for (const v of [...violations].sort((a, b) => (order[a.enforcementLevel] ?? 3) - (order[b.enforcementLevel] ?? 3)).slice(0, MAX_ROWS)) {
      const icon = v.enforcementLevel === "mandatory" ? "❌ mandatory" : `⚠️ ${v.enforcementLevel}`;
      let msg = redact(String(v.message ?? "")).trim();
      if (msg.length > MAX_MESSAGE) msg = `${msg.slice(0, MAX_MESSAGE)}…`;
      lines.push(`| ${icon} | \`${cell(v.policy)}\` | ${cell(v.urn ? parseUrn(v.urn).name : "(stack)")} | ${cell(msg)} |`);
    }
    lines.push("");
  }

  if (diagnostics.length > 0) {
    lines.push("<details><summary>Diagnostics (" + diagnostics.length + ")</summary>", "");
    for (const d of diagnostics.slice(0, MAX_ROWS)) {
      const where = d.urn ? ` \`${cell(parseUrn(d.urn).name)}\`` : "";
      let msg = stripAnsi(redact(String(d.message ?? ""))).trim();
      if (msg.length > MAX_MESSAGE) msg = `${msg.slice(0, MAX_MESSAGE)}…`;
      lines.push(`- **${d.severity}**${where}: ${cell(msg)}`);
    }
    lines.push("", "</details>", "");
  }
  if (gateReport && gateReport.trim()) {
    // The gate's own report (policies/scripts/gate.ts): step counts, what touches AlphaStack and why, violations.
    const report = stripAnsi(redact(gateReport)).replace(/`{3,}/g, "'''").trim().split("\n").slice(0, 80).join("\n");
    lines.push(`<details${gateExitCode ? " open" : ""}><summary>AlphaStack gate report</summary>`, "", "```text", report, "```", "", "</details>", "");
  }
  if (runUrl) lines.push(`[Full run](${runUrl}) · built from \`pulumi preview --json\`; no values are shown.`);
  return redact(lines.join("\n")) + "\n";
}

/** The steps of a preview that change something (not `same`, not `read`). */
function changedSteps(preview) {
  return (Array.isArray(preview?.steps) ? preview.steps : []).filter((s) => s.op && s.op !== "same" && s.op !== "read");
}

module.exports = { summarize, marker, parseUrn, changedSteps };

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const stack = opt("--stack");
  const file = opt("--preview");
  if (args.includes("--count-changes") && file) {
    let preview = {};
    try {
      preview = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
      // no JSON: no proposed change can be counted
    }
    process.stdout.write(`${changedSteps(preview).length}\n`);
    process.exit(0);
  }
  if (!stack || !file) {
    process.stderr.write("usage: preview-summary.js --stack <stack> --preview <preview.json> [--exit-code <n>] [--gate-exit-code <n>] [--run-url <url>]\n");
    process.exit(2);
  }
  let preview;
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  try {
    preview = text.trim() ? JSON.parse(text) : {};
  } catch {
    // A preview that died before printing its JSON: say so instead of pasting whatever it printed.
    preview = { diagnostics: [{ severity: "error", message: "pulumi preview did not produce JSON output; see the run's log." }] };
  }
  const num = (v) => (v === undefined || v === "" ? undefined : Number(v));
  const reportFile = opt("--gate-report");
  const gateReport = reportFile && fs.existsSync(reportFile) ? fs.readFileSync(reportFile, "utf8") : undefined;
  process.stdout.write(
    summarize({ stack, preview, exitCode: num(opt("--exit-code")) ?? 0, gateExitCode: num(opt("--gate-exit-code")), gateReport, runUrl: opt("--run-url") }),
  );
}
