import { isAlphaStack } from "../../infra/alerts/protected";
import type { AlertAction, AlertRule } from "../../infra/alerts/rule";
import { signalSpec } from "../../infra/alerts/signals";
import { EdgeAdminClient } from "../../infra/edge-contract/client";

/** What performing an action came to. */
export interface ActionResult {
  ok: boolean;
  /** One line for people (notification and log); never holds a secret. */
  summary: string;
  /** Set when the guard refused the action before any call was made. */
  refused?: boolean;
}

/** Thrown by {@link assertNotAlphaStack}. */
class AlphaStackActionRefused extends Error {
  constructor(what: string) {
    super(`refused: ${what} is AlphaStack, and the guardian never acts on AlphaStack (notify only)`);
    this.name = "AlphaStackActionRefused";
  }
}

/**
 * The last guard before any call: an action about AlphaStack (the rule's signal or target) or naming it (the app
 * or flag) is refused, whatever validation and `actionToTake` let through. The third layer after rule validation
 * (the edge refuses to store such a rule) and `actionToTake`.
 */
function assertNotAlphaStack(rule: AlertRule, action: Exclude<AlertAction, { type: "none" }>, extraProtected: readonly string[]): void {
  if (signalSpec(rule.signal).target === "alphastack") throw new AlphaStackActionRefused(`the signal ${rule.signal}`);
  if (isAlphaStack(rule.target, extraProtected)) throw new AlphaStackActionRefused(`the target '${rule.target}'`);
  const named = action.type === "rollback" ? action.app : action.flag;
  if (isAlphaStack(named, extraProtected)) throw new AlphaStackActionRefused(`'${named}'`);
}

/**
 * Performs rules' actions through the edge's admin API: `rollback` switches the app to its other (warm) slot,
 * `killSwitch` turns a flag off for everyone. Both are idempotent: a rollback whose app already left the slot that
 * was active when the alert fired does nothing more (the edge's own auto-rollback may have been faster).
 */
export class ActionRunner {
  private readonly edge: EdgeAdminClient;
  private readonly flags: EdgeAdminClient["flags"];

  constructor(private readonly o: { edgeUrl: string; token: string; extraProtected: readonly string[]; timeoutMs?: number }) {
    this.edge = new EdgeAdminClient({ url: o.edgeUrl, token: o.token, timeoutMs: o.timeoutMs ?? 15_000 });
    // A kill switch gets a shorter budget than a switch (which waits for draining).
    this.flags = this.edge.with({ timeoutMs: o.timeoutMs ?? 5_000 }).flags;
  }

  async run(rule: AlertRule, action: Exclude<AlertAction, { type: "none" }>, why: string): Promise<ActionResult> {
    try {
      assertNotAlphaStack(rule, action, this.o.extraProtected);
    } catch (e) {
      return { ok: false, refused: true, summary: (e as Error).message };
    }
    const reason = `guardian: ${rule.name}: ${why}`.slice(0, 480);
    try {
      if (action.type === "rollback") {
        const state = await this.edge.getState();
        const app = state.apps[action.app];
        if (!app) return { ok: false, summary: `rollback of '${action.app}' failed: the edge has no such app` };
        const to = app.active === "blue" ? "green" : "blue";
        const r = await this.edge.switch({ app: action.app, slot: to, reason, actor: "guardian" });
        return {
          ok: true,
          summary: r.changed ? `rolled back ${action.app}: ${r.from} → ${r.to} (edge version ${r.version})` : `${action.app} was already on ${to}`,
        };
      }
      await this.flags.setOverride(action.flag, { state: "off", by: "guardian", reason });
      return { ok: true, summary: `killed flag '${action.flag}' (served off to everyone)` };
    } catch (e) {
      return { ok: false, summary: `${action.type} ${action.type === "rollback" ? action.app : action.flag} failed: ${(e as Error).message}` };
    }
  }
}
