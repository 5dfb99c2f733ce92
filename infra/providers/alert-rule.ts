import * as pulumi from "@pulumi/pulumi";
import { lazyProvider } from "./dynamic";
import type { AlertRule as AlertRuleModel, AlertRuleInput } from "../alerts/rule";

/** Inputs of an {@link AlertRule}. */
export interface AlertRuleArgs {
  /** The rule (infra/alerts/README.md); validated by `check`, with the field at fault named. */
  rule: pulumi.Input<AlertRuleInput>;
  /** The edge's base URL (default: `EDGE_URL` of the environment). The admin token always comes from `EDGE_ADMIN_TOKEN`. */
  edgeUrl?: pulumi.Input<string>;
}

/**
 * An alert rule (`stackguard:AlertRule`), stored in the edge's replicated state (`/__edge/alerts/rules`), where the
 * guardian reads it on its next poll. Changing the rule's name replaces it.
 */
export class AlertRule extends pulumi.dynamic.Resource {
  /** The rule with every default resolved, as the guardian evaluates it. */
  declare readonly rule: pulumi.Output<AlertRuleModel>;

  constructor(name: string, args: AlertRuleArgs, opts?: pulumi.CustomResourceOptions) {
    super(lazyProvider("alert-rule"), name, { ...args }, opts, "stackguard", "AlertRule");
  }
}
