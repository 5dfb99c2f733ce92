#!/usr/bin/env node
"use strict";
/**
 * Turns the engine events of `pulumi preview --json` run with PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true (one JSON
 * event per line) into the document plain `pulumi preview --json` prints (`steps`, `diagnostics`, `changeSummary`),
 * plus the policy violations, which the plain document of the pinned CLI (v3.248.0) leaves out: its `diagnostics`
 * only say "preview failed" when a mandatory policy fails. One preview thus feeds both the AlphaStack gate (which reads
 * the plain form) and the PR comment (which must show which policy failed and why).
 *
 * Usage: preview-digest.js <events.jsonl>   (the document on stdout)
 */
const fs = require("node:fs");

/**
 * @param {string} text the event stream, one JSON object per line
 * @returns {{ steps: object[], diagnostics: object[], changeSummary: Record<string, number>, policyViolations: object[], result?: string }}
 */
function digestFromEvents(text) {
  const steps = [];
  const diagnostics = [];
  const policyViolations = [];
  let changeSummary = {};
  let result;
  for (const line of String(text).split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      continue; // a partial last line of an interrupted run
    }
    if (e.resourcePreEvent?.metadata) {
      const m = e.resourcePreEvent.metadata;
      steps.push({
        op: m.op,
        urn: m.urn,
        provider: m.provider,
        ...(m.old ? { oldState: m.old } : {}),
        ...(m.new ? { newState: m.new } : {}),
        ...(m.diffs?.length ? { diffReasons: m.diffs } : {}),
        ...(m.keys?.length ? { replaceReasons: m.keys } : {}),
        detailedDiff: m.detailedDiff ?? null,
      });
    } else if (e.diagnosticEvent) {
      const d = e.diagnosticEvent;
      if (d.ephemeral || d.severity === "debug") continue;
      diagnostics.push({ ...(d.urn ? { urn: d.urn } : {}), ...(d.prefix ? { prefix: d.prefix } : {}), message: d.message, severity: d.severity });
    } else if (e.policyEvent) {
      const p = e.policyEvent;
      policyViolations.push({
        urn: p.resourceUrn,
        policyPack: p.policyPackName,
        policy: p.policyName,
        enforcementLevel: p.enforcementLevel,
        message: p.message,
      });
    } else if (e.summaryEvent) {
      changeSummary = e.summaryEvent.resourceChanges ?? {};
      result = e.summaryEvent.result;
    }
  }
  return { steps, diagnostics, changeSummary, policyViolations, ...(result ? { result } : {}) };
}

module.exports = { digestFromEvents };

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: preview-digest.js <events.jsonl>\n");
    process.exit(2);
  }
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  process.stdout.write(`${JSON.stringify(digestFromEvents(text), null, 2)}\n`);
}
