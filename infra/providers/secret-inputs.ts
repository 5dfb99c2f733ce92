import * as pulumi from "@pulumi/pulumi";

/**
 * Program-side half of "values must be Pulumi secrets".
 *
 * The engine strips secret markers before it calls a dynamic provider (acceptSecrets=false), so `check` cannot tell
 * a secret from plain text. The resource class therefore records, per secret-bearing field, whether the caller
 * passed a secret, in the `secretInputs` input; `check` rejects `false`. The class then wraps the whole field in
 * `pulumi.secret` so that the field is secret as a unit in state (keys added later stay secret too).
 */

/**
 * Whether an input arrived as a secret, as an output: `true` (secret), `false` (plain text), or, during a preview,
 * unknown while the value is itself unknown. That last case matters: the producing resource's
 * `additionalSecretOutputs` (Postgres' `connectionInfo`, RandomPassword's `result`) mark an output secret only once it
 * has a value, so at preview such an output looks plain and at the update it is secret. Answering `false` at preview
 * and `true` at the update made `pulumi up --plan` refuse the resource ("violates plan: properties changed:
 * ++secretInputs[{map[envVars:{false}]}!={map[envVars:{true}]}]"); an unknown marker matches whatever the update
 * computes, and the update's marker is the one `check` and the policy pack enforce.
 */
function secretness(v: unknown): pulumi.Output<boolean> {
  if (pulumi.Output.isInstance(v)) {
    const o = v as pulumi.Output<unknown>;
    // Through `unsecret(o).apply`: known once the value exists, unknown while it does not, never secret itself, and
    // with the same dependencies at preview and update (the plan compares each property's dependencies too).
    return pulumi.output(pulumi.isSecret(o)).apply((secret) => pulumi.unsecret(o).apply(() => secret));
  }
  if (v && typeof v === "object" && !Array.isArray(v)) {
    return pulumi.all(Object.values(v as Record<string, unknown>).map(secretness)).apply((all) => all.every(Boolean));
  }
  return pulumi.output(v === undefined);
}

/** `{field: wasSecret}` for each given field (undefined fields are omitted); each entry is resolved on its own. */
export function secretMarker(fields: Record<string, unknown>): Record<string, pulumi.Output<boolean>> {
  const out: Record<string, pulumi.Output<boolean>> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = secretness(v);
  return out;
}

/** Wraps a secret-bearing input as one secret (undefined stays undefined). */
export function asSecret<T>(v: pulumi.Input<T> | undefined): pulumi.Output<pulumi.Unwrap<T>> | undefined {
  return v === undefined ? undefined : pulumi.secret(v);
}
