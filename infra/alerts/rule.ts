import { z } from "zod";
import { DurationSchema, parseDuration } from "./duration";
import { isAlphaStack } from "./protected";
import { publiclyFed, SIGNAL_NAMES, SIGNALS, type Reducer, type SignalName } from "./signals";

/** A threshold with its recovery (hysteresis) value. */
export const ThresholdSchema = z
  .object({
    /** Crossing this (per `comparator`) starts the alert at this level. */
    threshold: z.number({ error: "must be a number" }).finite(),
    /**
     * Once active, the alert stays at this level until the value crosses back past `recovery` (defaults to
     * `threshold`: no hysteresis). For `>` it must be at or below `threshold`; for `<` at or above.
     */
    recovery: z.number({ error: "must be a number" }).finite().optional(),
  })
  .strict();

/** What the guardian does when the rule fires at critical level. */
export const ActionSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("none") }).strict(),
  /** Switch the app's edge traffic back to its previous (warm) slot. */
  z.object({ type: z.literal("rollback"), app: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, "must be an app name of this stack") }).strict(),
  /** Turn a feature flag off through the edge's admin API. */
  z.object({ type: z.literal("killSwitch"), flag: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "must be a flag key") }).strict(),
]);

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "label names are Prometheus identifiers ([a-zA-Z_][a-zA-Z0-9_]*)");

/** One alert rule: the model that maps onto Prometheus, Grafana and Datadog and that the guardian evaluates. */
export const AlertRuleInputSchema = z
  .object({
    /** Unique, kebab-case; becomes the alert name everywhere. */
    name: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, "must be kebab-case, 2-63 characters, starting with a letter"),
    signal: z.enum(SIGNAL_NAMES, { error: () => `unknown signal: use one of ${SIGNAL_NAMES.join(", ")}` }),
    /** App, Render service or domain the signal is measured for (see the signal's `target`); none for AlphaStack. */
    target: z.string().min(1).optional(),
    comparator: z.enum([">", ">=", "<", "<="]),
    critical: ThresholdSchema,
    warning: ThresholdSchema.optional(),
    /** The signal's aggregation window (default per signal). */
    window: DurationSchema.optional(),
    /** Multi-window alerting: a shorter window that must breach too, so the alert resets quickly once fixed. */
    confirmWindow: DurationSchema.optional(),
    /** How the window's samples become one value (default per signal). */
    reducer: z.enum(["mean", "max", "min", "last"]).optional(),
    /** How often the rule is evaluated. */
    interval: DurationSchema.default("1m"),
    /** How long the condition must hold before firing (0s fires on the first breach). */
    for: DurationSchema.default("0s"),
    /** How long to keep firing after the condition clears (flap damping, Prometheus `keep_firing_for`). */
    keepFiringFor: DurationSchema.default("0s"),
    /** No samples for `noDataAfter`: `ok` (clear), `alerting` (breach), `keep-last` (hold), `nodata` (its own state). */
    noData: z.enum(["ok", "alerting", "keep-last", "nodata"]).default("nodata"),
    /** How long without any sample counts as no data (default: the window). */
    noDataAfter: DurationSchema.optional(),
    /** The signal source failed (query error, timeout): `ok`, `alerting` or `keep-last`. */
    onError: z.enum(["ok", "alerting", "keep-last"]).default("keep-last"),
    /**
     * Fewer events than this in the window (requests, probes, beacons: the samples' `n`) is inconclusive: the state
     * holds, so low traffic neither fires nor resolves an alert.
     */
    minSamples: z.number({ error: "must be a whole number" }).int("must be a whole number").min(1).default(1),
    /** `page` wakes someone, `ticket` is for working hours, `info` is a notice. */
    severity: z.enum(["page", "ticket", "info"]),
    runbookUrl: z.string().url("must be an absolute URL to the runbook"),
    summary: z.string().max(300).optional(),
    labels: z.record(labelName, z.string()).default({}),
    action: ActionSchema.default({ type: "none" }),
  })
  .strict();

/** A rule as written (defaults not yet applied). */
export type AlertRuleInput = z.input<typeof AlertRuleInputSchema>;

/** A validated rule with every default resolved. */
export type AlertRule = z.output<typeof AlertRuleInputSchema> & { window: string; reducer: Reducer; noDataAfter: string };
export type Threshold = z.infer<typeof ThresholdSchema>;
export type AlertAction = z.infer<typeof ActionSchema>;
export type Comparator = AlertRule["comparator"];

/** A problem with a rule, naming the field. */
export interface RuleIssue {
  path: string;
  message: string;
}

/** Thrown for an invalid rule; the message lists every field at fault. */
export class AlertRuleValidationError extends Error {
  constructor(
    public readonly issues: RuleIssue[],
    name?: string,
  ) {
    super(`invalid alert rule${name ? ` '${name}'` : ""}:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join("\n")}`);
    this.name = "AlertRuleValidationError";
  }
}

/** Options of {@link validateAlertRule}. */
export interface RuleValidationOptions {
  /** More identifiers to treat as AlphaStack (e.g. from the stack's `stackguard:alphaStack` config). */
  extraProtected?: readonly string[];
}

/** `a` is on the alerting side of `b` (or equal when the comparator includes equality). */
export function beyond(cmp: Comparator, a: number, b: number): boolean {
  switch (cmp) {
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
  }
}

/** Validates a rule and resolves its defaults; issues name the field and the fix. */
export function validateAlertRule(input: unknown, opts: RuleValidationOptions = {}): { ok: true; rule: AlertRule } | { ok: false; issues: RuleIssue[] } {
  const parsed = AlertRuleInputSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join(".") || "(rule)", message: i.message })) };
  }
  const r = parsed.data;
  const spec = SIGNALS[r.signal as SignalName];
  const rule: AlertRule = {
    ...r,
    window: r.window ?? spec.defaultWindow,
    reducer: r.reducer ?? spec.defaultReducer,
    noDataAfter: r.noDataAfter ?? r.window ?? spec.defaultWindow,
  };
  const issues: RuleIssue[] = [];
  const ms = (d: string) => parseDuration(d);
  const interval = ms(rule.interval);
  const up = rule.comparator === ">" || rule.comparator === ">=";

  if (interval < 1000) issues.push({ path: "interval", message: "must be at least 1s" });
  if (ms(rule.for) > 0 && ms(rule.for) < interval) {
    issues.push({
      path: "for",
      message: `${rule.for} is shorter than the evaluation interval ${rule.interval}: use 0s (fire on the first breach) or at least ${rule.interval}`,
    });
  }
  if (ms(rule.keepFiringFor) > 0 && ms(rule.keepFiringFor) < interval) {
    issues.push({
      path: "keepFiringFor",
      message: `${rule.keepFiringFor} is shorter than the evaluation interval ${rule.interval}: use 0s or at least ${rule.interval}`,
    });
  }
  if (ms(rule.window) < interval)
    issues.push({
      path: "window",
      message: `${rule.window} is shorter than the evaluation interval ${rule.interval}: samples between evaluations would be ignored`,
    });
  if (rule.confirmWindow && ms(rule.confirmWindow) >= ms(rule.window)) {
    issues.push({ path: "confirmWindow", message: `must be shorter than window (${rule.window}); it is the fast-reset short window` });
  }
  if (ms(rule.noDataAfter) < interval) issues.push({ path: "noDataAfter", message: `must be at least the evaluation interval ${rule.interval}` });

  const checkRecovery = (level: "critical" | "warning", t: Threshold) => {
    if (t.recovery === undefined) return;
    if (up ? t.recovery > t.threshold : t.recovery < t.threshold) {
      issues.push({
        path: `${level}.recovery`,
        message: `with comparator '${rule.comparator}' the recovery must be ${up ? "at or below" : "at or above"} the threshold ${t.threshold}`,
      });
    }
  };
  checkRecovery("critical", rule.critical);
  if (rule.warning) {
    checkRecovery("warning", rule.warning);
    if (up ? rule.warning.threshold > rule.critical.threshold : rule.warning.threshold < rule.critical.threshold) {
      issues.push({ path: "warning.threshold", message: `must be less severe than critical (${rule.critical.threshold}) for comparator '${rule.comparator}'` });
    }
  }

  if (spec.target === "alphastack") {
    if (rule.target) issues.push({ path: "target", message: "AlphaStack signals take no target" });
  } else if (!rule.target) {
    issues.push({ path: "target", message: `signal ${rule.signal} needs a target (${spec.target} name)` });
  }

  // AlphaStack is watched, never touched: a rule about it may only notify, and no action may name it.
  const aboutAlphaStack = spec.target === "alphastack" || isAlphaStack(rule.target, opts.extraProtected);
  if (rule.action.type !== "none") {
    const actionTarget = rule.action.type === "rollback" ? rule.action.app : rule.action.flag;
    if (isAlphaStack(actionTarget, opts.extraProtected)) {
      issues.push({
        path: rule.action.type === "rollback" ? "action.app" : "action.flag",
        message: `'${actionTarget}' is AlphaStack: this project never acts on AlphaStack; use action {type: "none"}`,
      });
    } else if (aboutAlphaStack) {
      issues.push({ path: "action", message: 'rules about AlphaStack notify only: set action to {type: "none"}' });
    }
  }
  // A publicly fed signal (web-vitals beacons: anyone can post them) must not be able to roll back an app or kill a
  // flag: whoever forges the beacons would hold the switch.
  if (rule.action.type !== "none" && publiclyFed(rule.signal as SignalName)) {
    issues.push({
      path: "action.type",
      message: `'${rule.action.type}' is refused on ${rule.signal}: it is fed by public web-vitals beacons that anyone can send, so it may only notify; use action {type: "none"}`,
    });
  }
  return issues.length ? { ok: false, issues } : { ok: true, rule };
}

/** Like {@link validateAlertRule} but throws an {@link AlertRuleValidationError}. */
export function parseAlertRule(input: unknown, opts: RuleValidationOptions = {}): AlertRule {
  const r = validateAlertRule(input, opts);
  if (!r.ok) throw new AlertRuleValidationError(r.issues, (input as { name?: string } | null)?.name);
  return r.rule;
}

/** Validates a rule set: every rule, plus unique names. */
export function parseAlertRules(inputs: unknown[], opts: RuleValidationOptions = {}): AlertRule[] {
  const rules = inputs.map((i) => parseAlertRule(i, opts));
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.name)) throw new AlertRuleValidationError([{ path: "name", message: `'${r.name}' is used by two rules: names must be unique` }], r.name);
    seen.add(r.name);
  }
  return rules;
}
