import type { ResourceValidationPolicy } from "@pulumi/policy";
import { SecretsConfigSchema } from "../config";
import { secretsAreSecret } from "../rules/secrets";
import { secretPathsOf, unwrapProxies } from "./facts";
import { checkArgs, PolicyArgs, resourcePolicy } from "./policy";

/**
 * `secrets-are-secret` runs at level "remediate" so that the engine calls its remediation first, with the props'
 * secret markers intact (@pulumi/policy passes them only to remediations). The remediation changes nothing: it
 * records which paths were secret for this URN, and the validation that the engine runs next reads them. At level
 * "remediate" a violation of the validation is reported as mandatory.
 */
const observed = new Map<string, Set<string>>();

export function secretsAreSecretPolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "secrets-are-secret",
    description: "API keys, tokens, database URLs and passwords are never plaintext inputs.",
    level: checkArgs("secrets-are-secret", args, "remediate"),
    config: SecretsConfigSchema,
    observe: (a) => {
      observed.set(a.urn, secretPathsOf(unwrapProxies(a.props)));
    },
    rule: (r, cfg) => secretsAreSecret(r, { secretPaths: observed.get(r.urn), allowPlaintext: cfg.allowPlaintext }),
  });
}
