import { withSim } from "../sim/helpers";
import { resetProviderContext } from "../../../infra/providers/context";
import { requestLog } from "../../../infra/render/request-log";

/**
 * Starts the real simulator in process and points the providers at it through RENDER_API_URL / RENDER_API_KEY,
 * as a Pulumi provider process would be. `faults()` drives the simulator's `/__sim/api-faults`.
 */
export async function providerSim(opts: { appsRoot?: string } = {}) {
  const s = await withSim({ timeScale: 0.01, rateLimit: "relaxed", ...opts });
  const saved = { url: process.env.RENDER_API_URL, key: process.env.RENDER_API_KEY, ids: process.env.STACKGUARD_PROTECTED_IDS };
  process.env.RENDER_API_URL = s.sim.apiUrl;
  process.env.RENDER_API_KEY = s.sim.apiKey;
  delete process.env.STACKGUARD_PROTECTED_IDS;
  resetProviderContext();
  requestLog.reset();
  return {
    ...s,
    /** Replaces the simulator's API fault config (see sim/api/faults.ts). */
    async faults(config: Record<string, unknown>) {
      const r = await s.api.call("PUT", "/__sim/api-faults", config, { admin: true });
      if (r.status !== 200) throw new Error(`api-faults: ${r.status} ${r.text}`);
      return r.body;
    },
    async faultStats(): Promise<{ injected: number; byStatus: Record<string, number> }> {
      return (await s.api.call("GET", "/__sim/api-faults", undefined, { admin: true })).body;
    },
    /** Counts the Render API calls `fn` makes (first attempts; retries separately). */
    async count<T>(
      fn: () => Promise<T>,
    ): Promise<{ result: T; calls: number; reads: number; writes: number; retries: number; byRoute: Record<string, number> }> {
      requestLog.reset();
      const result = await fn();
      const st = requestLog.stats();
      return { result, calls: st.calls, reads: st.reads, writes: st.writes, retries: st.retries, byRoute: st.byRoute };
    },
    async done() {
      process.env.RENDER_API_URL = saved.url;
      process.env.RENDER_API_KEY = saved.key;
      if (saved.ids !== undefined) process.env.STACKGUARD_PROTECTED_IDS = saved.ids;
      resetProviderContext();
      await s.done();
    },
  };
}

/** The staging workspace seeded by the simulator. */
export const STAGING_OWNER = "tea-stackguardstaging000";
