import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../infra/config/schema";
import { Service } from "../infra/providers";

/** What the program reads of AlphaStack production, never manages. */
export interface AlphaStackRefs {
  services: Service[];
}

/**
 * References AlphaStack's production services read-only: `get` reads existing resources (state marks them
 * `external`), so this program can never create, update or delete them; `protect` makes the engine refuse any
 * delete or replace should a later change try. The providers refuse writes to these ids as well (layer 5).
 */
export function referenceAlphaStack(config: StackConfig): AlphaStackRefs {
  const services = config.alphaStack.services.map((id) => new Service(`alphastack-${id}`, {} as never, { id, protect: true }));
  return { services };
}

/** Operator-facing outputs: names and status of what AlphaStack runs, nothing secret. */
export function alphaStackOutputs(refs: AlphaStackRefs): pulumi.Output<Array<{ id: string; name: string; suspended: boolean }>> {
  return pulumi
    .all(refs.services.map((s) => pulumi.all([s.id, s.name, s.suspended])))
    .apply((rows) => rows.map(([id, name, suspended]) => ({ id, name, suspended: Boolean(suspended) })));
}
