import * as fs from "node:fs";
import * as path from "node:path";
import { lazyProvider } from "../../../infra/providers/dynamic";
import { moduleClosure, providerDigest, providerKinds } from "../../../infra/providers/provider-digest";

/**
 * Issue 14 g: each dynamic resource records the digest of its provider's code (`stackguardProviderDigest`, added by the
 * loader's check), never passed to the implementation and ignored by diff (no churn from an unrelated edit).
 */

const ROOT = path.resolve(__dirname, "..", "..", "..");

describe("provider code digest", () => {
  test("covers the implementation and what it imports, transitively", () => {
    const files = moduleClosure(path.join(ROOT, "infra", "providers", "impl", "env-vars.ts"), ROOT).map((f) => path.relative(ROOT, f));
    expect(files).toContain("infra/providers/impl/env-vars.ts");
    expect(files).toContain("infra/providers/impl/service-list.ts");
    expect(files.some((f) => f.startsWith("infra/render/"))).toBe(true);
    expect(files.every((f) => !f.includes("node_modules"))).toBe(true);
  });

  test("is stable, differs per kind, and every kind has one", () => {
    const kinds = providerKinds(ROOT);
    expect(kinds).toEqual(expect.arrayContaining(["service", "env-vars", "env-group", "traffic-switch", "alert-rule"]));
    const digests = kinds.map((k) => providerDigest(ROOT, k));
    for (const d of digests) expect(d).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(providerDigest(ROOT, "service")).toBe(digests[kinds.indexOf("service")]);
    expect(new Set(digests).size).toBeGreaterThan(1);
  });

  test("the loader's check records it; diff and the implementation never see it", async () => {
    const p = lazyProvider("env-group-link");
    const news = { envGroupId: "evg-ourgroup0000000000", serviceId: "srv-ourservice000000000" };
    const checked = await p.check!({}, news);
    expect(checked.inputs?.stackguardProviderDigest).toBe(providerDigest(ROOT, "env-group-link"));
    const same = await p.diff!(
      "evg-ourgroup0000000000/srv-ourservice000000000",
      { ...news, stackguardProviderDigest: "sha256:" + "0".repeat(64) },
      checked.inputs!,
    );
    expect(same.changes).toBeFalsy();
    expect(fs.existsSync(path.join(ROOT, "infra", "providers", "impl", "env-group-link.ts"))).toBe(true);
  });
});
