import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { ServiceFaultsSchema } from "./spec";
import type { ServiceFaults } from "./types";

const FileSchema = z.object({
  version: z.literal(1),
  /** Front port per service id; reused after a restart when still free. */
  ports: z.record(z.string(), z.number().int().min(1).max(65535)),
  routerPort: z.number().int().min(1).max(65535).optional(),
  faults: z.record(z.string(), ServiceFaultsSchema),
});
type FileShape = z.infer<typeof FileSchema>;

/**
 * The data plane's own durable state (`<stateDir>/dataplane.json`): ports and faults. Small and rarely written, so a
 * whole-file atomic rewrite (write + rename) on each change is simpler and safer than a database table.
 */
export class DataPlaneStateFile {
  private data: FileShape;

  constructor(private readonly path: string) {
    this.data = DataPlaneStateFile.load(path);
  }

  private static load(path: string): FileShape {
    let raw: string;
    try {
      raw = readFileSync(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, ports: {}, faults: {} };
      throw e;
    }
    const parsed = FileSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) {
      throw new Error(`${path} is not a valid data-plane state file (${parsed.error.issues[0].message}); delete it to start afresh`);
    }
    return parsed.data;
  }

  port(serviceId: string): number | undefined {
    return this.data.ports[serviceId];
  }
  setPort(serviceId: string, port: number): void {
    if (this.data.ports[serviceId] === port) return;
    this.data.ports[serviceId] = port;
    this.save();
  }
  get routerPort(): number | undefined {
    return this.data.routerPort;
  }
  set routerPort(port: number | undefined) {
    if (this.data.routerPort === port) return;
    this.data.routerPort = port;
    this.save();
  }
  faults(serviceId: string): ServiceFaults {
    return { ...(this.data.faults[serviceId] ?? {}) };
  }
  setFaults(serviceId: string, faults: ServiceFaults): void {
    this.data.faults[serviceId] = { ...faults };
    this.save();
  }
  /** Forgets a deleted service: its port becomes free for others. */
  forget(serviceId: string): void {
    if (!(serviceId in this.data.ports) && !(serviceId in this.data.faults)) return;
    delete this.data.ports[serviceId];
    delete this.data.faults[serviceId];
    this.save();
  }

  private save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 2));
    renameSync(tmp, this.path);
  }
}
