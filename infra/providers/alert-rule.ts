import * as pulumi from "@pulumi/pulumi";
import { lazyProvider } from "./dynamic";
import { alertRuleFields, type AlertRuleResourceInputs } from "./impl/alert-rule";
import { dynamicResourceWith, withOutputKeys } from "./output-keys";
import type { AlertRuleInput } from "../alerts/rule";

/** Inputs of an {@link AlertRule}. */
export interface AlertRuleArgs {
  /** The rule (infra/alerts/README.md); validated by `check`, with the field at fault named. */
  rule: pulumi.Input<AlertRuleInput>;
  /** The edge's base URL (default: `EDGE_URL` of the environment). */
  edgeUrl?: pulumi.Input<string>;
  /** The edge admin token (the stack's `edge-admin-token`); always recorded as a secret, never read from the environment. */
  adminToken: pulumi.Input<string>;
}

/**
 * An alert rule (`stackguard:AlertRule`), stored in the edge's replicated state (`/__edge/alerts/rules`), where the
 * guardian reads it on its next poll. Changing the rule's name replaces it.
 */
export class AlertRule extends dynamicResourceWith<AlertRuleResourceInputs>() {
  constructor(name: string, args: AlertRuleArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lazyProvider("alert-rule"),
      name,
      withOutputKeys(alertRuleFields.outputs, { ...args, adminToken: pulumi.secret(args.adminToken) }),
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "adminToken"] },
      "stackguard",
      "AlertRule",
    );
  }
}
