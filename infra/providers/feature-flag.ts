import * as pulumi from "@pulumi/pulumi";
import { lazyProvider } from "./dynamic";
import { featureFlagFields, type FeatureFlagOutputs } from "./impl/feature-flag";
import { dynamicResourceWith, withOutputKeys } from "./output-keys";
import { staleFlags } from "../flags/lifetime";
import type { FlagDefinition } from "../flags/definition";

/** Inputs of a {@link FeatureFlag}. */
export interface FeatureFlagArgs {
  /** The flag key apps ask for; changing it replaces the flag. */
  key: pulumi.Input<string>;
  /** The flag in flagd's format, with our metadata (`kind`, `owner`, `createdAt`; see infra/flags/README.md). */
  definition: pulumi.Input<FlagDefinition | Record<string, unknown>>;
  /** Shared JSON Logic fragments referenced from `targeting` as `{"$ref": "<name>"}` (inlined when stored). */
  evaluators?: pulumi.Input<Record<string, unknown>>;
  /** The edge's base URL (default: `EDGE_URL` of the environment). */
  edgeUrl?: pulumi.Input<string>;
  /** The edge admin token (the stack's `edge-admin-token`); always recorded as a secret, never read from the environment. */
  adminToken: pulumi.Input<string>;
}

/**
 * A feature flag served by the edge over OFREP (`stackguard:FeatureFlag`), stored in the edge's replicated state.
 *
 * Kill switches: `npm run flag -- off <key>` sets an override on the edge that this resource never silently undoes.
 * `refresh`/`diff` read the live override and show it as a change of `override`; `up` keeps it unless the declared
 * definition has caught up with it (then the redundant override is cleared). See infra/flags/README.md.
 */
export class FeatureFlag extends dynamicResourceWith<FeatureFlagOutputs & { definition: FlagDefinition }>() {
  constructor(name: string, args: FeatureFlagArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lazyProvider("feature-flag"),
      name,
      withOutputKeys(featureFlagFields.outputs, { ...args, adminToken: pulumi.secret(args.adminToken) }),
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "adminToken"] },
      "stackguard",
      "FeatureFlag",
    );
    // Stale flags are reported by every preview and up, as warnings on this resource.
    pulumi.all([args.key, args.definition]).apply(([key, definition]) => {
      const d = definition as FlagDefinition;
      if (!d?.metadata?.kind || !d.metadata.createdAt) return; // check() reports the missing fields
      for (const s of staleFlags({ flags: { [key]: d } }, new Date())) pulumi.log.warn(s.message, this);
    });
  }
}
