import type { SimApp } from "../app";

/** An env group as stored; its vars and files are `grpEnv` / `grpFile` rows under it. */
export interface EnvGroupRec {
  id: string;
  name: string;
  ownerId: string;
  environmentId?: string;
  createdAt: string;
  updatedAt: string;
  /** Linked service ids in link order. */
  serviceIds: string[];
}

/** Ids of the env groups linked to a service. */
export function linkedGroups(app: SimApp, serviceId: string): string[] {
  return app.store
    .list<EnvGroupRec>("envGroup")
    .filter((g) => g.data.serviceIds.includes(serviceId))
    .map((g) => g.id);
}
