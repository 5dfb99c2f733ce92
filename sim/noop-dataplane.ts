import type { DataPlaneApi, MetricPoint, ServiceFaults } from "./dataplane/types";

/**
 * A data plane that runs nothing: every `apply` "starts" at once and metrics are empty. Used only when
 * `sim/dataplane/index.ts` is absent (the real data plane is built separately); faults are still kept so the
 * `failNextDeploy` contract works.
 */
export class NoopDataPlane implements DataPlaneApi {
  private readonly faults = new Map<string, ServiceFaults>();

  async apply(): Promise<{ url?: string; started: boolean }> {
    return { started: true };
  }
  async remove(id: string): Promise<void> {
    this.faults.delete(id);
  }
  url(): string | undefined {
    return undefined;
  }
  metrics(): MetricPoint[] {
    return [];
  }
  getFaults(id: string): ServiceFaults {
    return { ...(this.faults.get(id) ?? {}) };
  }
  setFaults(id: string, faults: ServiceFaults): void {
    this.faults.set(id, { ...faults });
  }
  async stop(): Promise<void> {}
}
