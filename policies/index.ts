import { PolicyPack } from "@pulumi/policy";
import { readBaselineFile } from "./config";
import { allPolicies } from "./pack/all";
import { keepMandatoryPoliciesMandatory } from "./pack/mandatory";

/**
 * The stackguard policy pack. Load it with
 *   pulumi preview --policy-pack ./policies [--policy-pack-config policies/config/<stack>.json]
 * (`npm run pulumi` adds both). See README.md for every policy, its level and its config.
 */

// A broken committed baseline stops the pack from starting at all: the preview fails with the file and key named.
readBaselineFile("baseline.json");

// The AlphaStack, isolation and promotion policies stay mandatory whatever --policy-pack-config says (issue 14 e).
keepMandatoryPoliciesMandatory();

new PolicyPack("stackguard", {
  enforcementLevel: "mandatory",
  policies: allPolicies(),
});
