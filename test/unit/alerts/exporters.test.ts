import YAML from "yaml";
import Ajv from "ajv";
import { defaultRules, parseAlertRule, prometheusRules, toDatadog, toGrafana, toPrometheus, type AlertRuleInput } from "../../../infra/alerts";

const input: AlertRuleInput = {
  name: "api-error-rate",
  signal: "api.error_rate",
  target: "api",
  comparator: ">",
  critical: { threshold: 0.02, recovery: 0.01 },
  warning: { threshold: 0.005, recovery: 0.003 },
  interval: "30s",
  for: "2m",
  keepFiringFor: "5m",
  noData: "alerting",
  noDataAfter: "10m",
  onError: "keep-last",
  minSamples: 100,
  severity: "page",
  runbookUrl: "https://runbooks.example/api-error-rate",
  labels: { team: "platform" },
  action: { type: "rollback", app: "api" },
};
const rule = parseAlertRule(input);

/** The Prometheus rule-file shape (from the Prometheus docs' alerting-rule format). */
const promSchema = {
  type: "object",
  required: ["groups"],
  additionalProperties: false,
  properties: {
    groups: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "rules"],
        additionalProperties: false,
        properties: {
          name: { type: "string" },
          interval: { type: "string", pattern: "^(\\d+(ms|s|m|h|d|w|y))+$" },
          rules: {
            type: "array",
            items: {
              type: "object",
              required: ["alert", "expr"],
              additionalProperties: false,
              properties: {
                alert: { type: "string" },
                expr: { type: "string" },
                for: { type: "string", pattern: "^(\\d+(ms|s|m|h|d|w|y))+$" },
                keep_firing_for: { type: "string", pattern: "^(\\d+(ms|s|m|h|d|w|y))+$" },
                labels: { type: "object", additionalProperties: { type: "string" } },
                annotations: { type: "object", additionalProperties: { type: "string" } },
              },
            },
          },
        },
      },
    },
  },
};

function balanced(expr: string): boolean {
  let depth = 0;
  for (const c of expr) {
    if (c === "(") depth++;
    if (c === ")") depth--;
    if (depth < 0) return false;
  }
  return depth === 0;
}

describe("Prometheus export", () => {
  it("is a valid rule file (parsed with yaml) with for, keep_firing_for, labels, annotations, one rule per level + no-data", () => {
    const doc = YAML.parse(toPrometheus(rule));
    const validate = new Ajv().compile(promSchema);
    expect(validate(doc)).toBe(true);
    const rules = doc.groups[0].rules;
    expect(doc.groups[0].interval).toBe("30s");
    expect(rules.map((r: { labels: { level: string; nodata?: string } }) => r.labels.nodata ?? r.labels.level)).toEqual(["critical", "warning", "true"]);
    expect(rules[0]).toMatchObject({
      alert: "api-error-rate",
      for: "2m",
      keep_firing_for: "5m",
      labels: { severity: "page", team: "platform", action: "rollback" },
      annotations: { runbook_url: input.runbookUrl },
    });
    expect(rules[1].labels.severity).toBe("ticket");
    expect(rules[2]).toMatchObject({ alert: "api-error-rate-nodata", for: "10m", expr: expect.stringMatching(/^absent\(/) });
  });

  it("encodes threshold, hysteresis (ALERTS self-reference) and minimum samples in balanced PromQL", () => {
    const [crit] = prometheusRules(rule);
    expect(crit!.expr).toContain("> 0.02");
    expect(crit!.expr).toMatch(/> 0\.01\).* and on\(\) count\(ALERTS\{alertname="api-error-rate",alertstate="firing",level="critical"\}\) > 0/);
    expect(crit!.expr).toContain(">= 100");
    for (const r of defaultRules("production").flatMap(prometheusRules)) expect(balanced(r.expr)).toBe(true);
  });

  it("omits for/keep_firing_for when zero and the no-data rule when noData is ok", () => {
    const r = prometheusRules(parseAlertRule({ ...input, for: "0s", keepFiringFor: "0s", noData: "ok", warning: undefined, critical: { threshold: 0.02 } }));
    expect(r).toHaveLength(1);
    expect(r[0]).not.toHaveProperty("for");
    expect(r[0]).not.toHaveProperty("keep_firing_for");
    expect(r[0]!.expr).not.toContain("ALERTS");
  });

  it("the whole default rule set exports to one valid file", () => {
    const doc = YAML.parse(toPrometheus(defaultRules("staging")));
    expect(new Ajv().compile(promSchema)(doc)).toBe(true);
  });
});

describe("Grafana export", () => {
  it("maps noData/onError to noDataState/execErrState, for and keep_firing_for, and recovery to unloadEvaluator", () => {
    const [crit, warn] = toGrafana(rule, { datasourceUid: "prom-main" });
    expect(crit).toMatchObject({
      title: "api-error-rate (critical)",
      noDataState: "Alerting",
      execErrState: "KeepLast",
      for: "2m",
      keep_firing_for: "5m",
      condition: "C",
    });
    const c = crit!.data.find((d) => d.refId === "C") as { model: { conditions: Array<{ evaluator: unknown; unloadEvaluator: unknown }> } };
    expect(c.model.conditions[0]).toEqual({ evaluator: { type: "gt", params: [0.02] }, unloadEvaluator: { type: "lt", params: [0.01] } });
    expect((crit!.data[0] as { datasourceUid: string }).datasourceUid).toBe("prom-main");
    expect(warn!.labels.level).toBe("warning");
    expect(JSON.parse(JSON.stringify(crit))).toEqual(crit); // plain JSON
  });

  it("maps each no-data and error policy, and multi-window rules get an AND of both thresholds", () => {
    const states = (["ok", "alerting", "keep-last", "nodata"] as const).map((noData) => toGrafana(parseAlertRule({ ...input, noData }))[0]!.noDataState);
    expect(states).toEqual(["OK", "Alerting", "KeepLast", "NoData"]);
    expect(toGrafana(parseAlertRule({ ...input, onError: "alerting" }))[0]!.execErrState).toBe("Alerting");
    const mw = toGrafana(parseAlertRule({ ...input, window: "1h", confirmWindow: "5m" }))[0]!;
    expect(mw.condition).toBe("D");
    expect(mw.data.find((d) => d.refId === "D")).toMatchObject({ model: { type: "math", expression: "$C && $U" } });
  });
});

describe("Datadog export", () => {
  it("carries critical/warning thresholds with recovery thresholds, no-data and full-window settings", () => {
    const m = toDatadog(rule);
    expect(m.options.thresholds).toEqual({ critical: 0.02, critical_recovery: 0.01, warning: 0.005, warning_recovery: 0.003 });
    expect(m.options).toMatchObject({ notify_no_data: true, no_data_timeframe: 10, require_full_window: true });
    // `for` 2m on a 5m window: the condition must hold over the window → min() for ">".
    expect(m.query).toBe("min(last_5m):sum:stackguard.http.errors{app:api}.as_count() / sum:stackguard.http.requests{app:api}.as_count() > 0.02");
    expect(m.message).toContain("Runbook: https://runbooks.example/api-error-rate");
    expect(m.tags).toContain("stackguard_rule:api-error-rate");
    expect(m.priority).toBe(1);
  });

  it("uses the rule's reducer without a for, max() for '<' with a for, and no no-data for noData ok", () => {
    const m = toDatadog(parseAlertRule({ ...input, for: "0s", noData: "ok", minSamples: 1 }));
    expect(m.query.startsWith("avg(last_5m):")).toBe(true);
    expect(m.options).toMatchObject({ notify_no_data: false, require_full_window: false });
    expect(m.options).not.toHaveProperty("no_data_timeframe");
    const avail = toDatadog(
      parseAlertRule({ ...input, signal: "api.availability", comparator: "<", critical: { threshold: 0.99, recovery: 0.995 }, warning: undefined, for: "10m" }),
    );
    expect(avail.query).toBe("max(last_10m):avg:stackguard.probe.success{app:api} < 0.99");
  });
});
