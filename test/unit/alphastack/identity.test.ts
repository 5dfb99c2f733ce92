import { ALPHASTACK_ENGINE_ID, ALPHASTACK_OWNER_ID, ALPHASTACK_PROTECTED_IDS, ALPHASTACK_RESOURCES } from "../../../infra/alphastack/identity";
import { isAlphaStack } from "../../../infra/alerts/protected";
import { WriteGuard } from "../../../infra/providers/guard";
import { ProtectedSet } from "../../../policies/lib/protected";
import { SEED } from "../../../sim/seed";

/**
 * Issue 18 item 6: AlphaStack's identity is one data module (infra/alphastack/identity.ts). Every entry must be what
 * the embedded Render seeds (its fixed ids mirror the real workspace), and every layer must know every entry.
 */
describe("AlphaStack's identity", () => {
  test("matches the simulator's seed: every seeded AlphaStack object is listed, with its name", () => {
    const seeded = [SEED.project, SEED.environment, SEED.engine, SEED.worker, SEED.postgres, SEED.envGroup, SEED.engineDomainName];
    expect([...ALPHASTACK_PROTECTED_IDS].sort()).toEqual([...seeded].sort());
    expect(ALPHASTACK_OWNER_ID).toBe(SEED.productionOwner);
    expect(ALPHASTACK_ENGINE_ID).toBe(SEED.engine);
  });

  test("the seeded names are the listed names", async () => {
    const { startSimulator } = await import("../../../sim");
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-identity-"));
    const sim = await startSimulator({ stateDir: dir, timeScale: 0.01, rateLimit: "relaxed", realDatabases: false });
    try {
      const get = async (p: string): Promise<{ name?: string }> =>
        (await fetch(`${sim.apiUrl}${p}`, { headers: { authorization: `Bearer ${sim.apiKey}` }, signal: AbortSignal.timeout(10_000) })).json() as {
          name?: string;
        };
      for (const r of ALPHASTACK_RESOURCES.filter((x) => x.name)) {
        const body =
          r.kind === "service" ? await get(`/services/${r.id}`) : r.kind === "database" ? await get(`/postgres/${r.id}`) : await get(`/env-groups/${r.id}`);
        expect({ id: r.id, name: body.name }).toEqual({ id: r.id, name: r.name });
      }
    } finally {
      await sim.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each(ALPHASTACK_RESOURCES.map((r) => [r.id, r.label]))("%s (%s) is refused by the write guard, the pack and the alert model", (id) => {
    expect(new WriteGuard({ environmentOf: async () => null, statusOf: async () => undefined } as never).isProtectedId(id)).toBe(true);
    expect(new ProtectedSet().exact(id)?.label).toMatch(/^AlphaStack's /);
    expect(isAlphaStack(id)).toBe(true);
  });
});
