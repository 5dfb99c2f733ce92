import type { Policies } from "@pulumi/policy";
import { alphaStackBaselineSignedPolicy, alphaStackFrozenPolicy, alphaStackReferencesPinnedPolicy, alphaStackReferencesPresentPolicy } from "./alphastack";
import { productionResourceAllowlistPolicy } from "./allowlist";
import { productionDatabaseWritesPolicy } from "./database";
import { edgeStateKeyValuePolicy } from "./edge-state";
import { environmentIsolationPolicy } from "./isolation";
import { migrationsPolicy } from "./migrations";
import { productionRequiresPromotionPolicy } from "./promotion";
import {
  buildFilterPresentPolicy,
  productionAutoDeployOffPolicy,
  productionWebServiceRedundantPolicy,
  serviceRegionMatchesDatabasePolicy,
  servicePlanMatchesMetricsPolicy,
} from "./render";
import { secretsAreSecretPolicy } from "./secrets";
import { forceBreakGlassPolicy, slotHealthCheckPolicy, slotNoDiskPolicy, trafficSwitchAnalysedPolicy } from "./traffic";

/** Every policy of the stackguard pack, with its default level. */
export function allPolicies(): Policies {
  return [
    // AlphaStack freeze (mandatory)
    alphaStackFrozenPolicy(),
    alphaStackReferencesPinnedPolicy(),
    alphaStackReferencesPresentPolicy(),
    alphaStackBaselineSignedPolicy(),
    // Guardrails (mandatory)
    productionRequiresPromotionPolicy(),
    productionResourceAllowlistPolicy(),
    environmentIsolationPolicy(),
    trafficSwitchAnalysedPolicy(),
    slotHealthCheckPolicy(),
    slotNoDiskPolicy(),
    forceBreakGlassPolicy(),
    secretsAreSecretPolicy(),
    productionDatabaseWritesPolicy(),
    migrationsPolicy(),
    edgeStateKeyValuePolicy(),
    // Render advisories (issue 9)
    productionWebServiceRedundantPolicy(),
    productionAutoDeployOffPolicy(),
    buildFilterPresentPolicy(),
    serviceRegionMatchesDatabasePolicy(),
    servicePlanMatchesMetricsPolicy(),
  ];
}
