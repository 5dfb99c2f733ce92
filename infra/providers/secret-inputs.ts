import * as pulumi from "@pulumi/pulumi";

/**
 * Program-side half of "values must be Pulumi secrets".
 *
 * The engine strips secret markers before it calls a dynamic provider (acceptSecrets=false), so `check` cannot tell
 * a secret from plain text. The resource class therefore records, per secret-bearing field, whether the caller
 * passed a secret, in the `secretInputs` input; `check` rejects `false`. The class then wraps the whole field in
 * `pulumi.secret` so that the field is secret as a unit in state (keys added later stay secret too).
 */

async function isSecretInput(v: unknown): Promise<boolean> {
  if (pulumi.Output.isInstance(v)) return pulumi.isSecret(v as pulumi.Output<unknown>);
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const vals = Object.values(v as Record<string, unknown>);
    return (await Promise.all(vals.map(isSecretInput))).every(Boolean);
  }
  return v === undefined;
}

/** `{field: wasSecret}` for each given field (undefined fields are omitted). */
export function secretMarker(fields: Record<string, unknown>): pulumi.Output<Record<string, boolean>> {
  return pulumi.output(
    (async () => {
      const out: Record<string, boolean> = {};
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = await isSecretInput(v);
      return out;
    })(),
  );
}

/** Wraps a secret-bearing input as one secret (undefined stays undefined). */
export function asSecret<T>(v: pulumi.Input<T> | undefined): pulumi.Output<pulumi.Unwrap<T>> | undefined {
  return v === undefined ? undefined : pulumi.secret(v);
}
