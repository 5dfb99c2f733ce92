import * as pulumi from "@pulumi/pulumi";
import { secretMarker } from "../../../infra/providers/secret-inputs";

/** An output the engine has no value for yet (a preview of a resource still to be created), not marked secret. */
function unknownOutput(secret = false): pulumi.Output<string> {
  const OutputImpl = pulumi.Output as unknown as new (...a: unknown[]) => pulumi.Output<string>;
  return new OutputImpl(new Set(), Promise.resolve(undefined), Promise.resolve(false), Promise.resolve(secret), Promise.resolve(new Set()));
}

async function resolved(o: pulumi.Output<boolean>): Promise<{ known: boolean; value?: boolean; secret: boolean }> {
  const internal = o as unknown as { isKnown: Promise<boolean>; promise(): Promise<boolean> };
  const known = await internal.isKnown;
  return { known, ...(known ? { value: await internal.promise() } : {}), secret: await pulumi.isSecret(o) };
}

describe("secretMarker: whether each secret-bearing input arrived as a secret", () => {
  it("true for secrets, false for plain text (values or outputs), per field; the marker itself is never secret", async () => {
    const m = secretMarker({
      envVars: { A: pulumi.secret("x"), B: pulumi.secret(pulumi.output("y")) },
      secretFiles: { "a.txt": "plain" },
      files: pulumi.output({ k: "v" }),
      none: undefined,
    });
    expect(Object.keys(m).sort()).toEqual(["envVars", "files", "secretFiles"]);
    expect(await resolved(m.envVars)).toEqual({ known: true, value: true, secret: false });
    expect(await resolved(m.secretFiles)).toEqual({ known: true, value: false, secret: false });
    expect(await resolved(m.files)).toEqual({ known: true, value: false, secret: false });
  });

  it("unknown while a value is unknown (preview): the update decides, so plan and update never disagree", async () => {
    // Postgres' connectionInfo at the preview of its creation: no value and, until it has one, not marked secret
    // (additionalSecretOutputs apply to values). Answering false here and true at the update broke `up --plan`.
    const m = secretMarker({ envVars: { STACKGUARD_ENVIRONMENT: pulumi.secret("staging"), DATABASE_URL: unknownOutput() } });
    expect((await resolved(m.envVars)).known).toBe(false);
    expect((await resolved(secretMarker({ values: unknownOutput(true) }).values)).known).toBe(false);
  });
});
