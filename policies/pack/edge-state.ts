import type { ResourceValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { edgeStateKeyValueSafe } from "../rules/edge-state";
import { checkArgs, PolicyArgs, resourcePolicy } from "./policy";

/** `edge-state-key-value` (mandatory): the edge's shared state cannot be evicted, exposed or lost on restart. */
export function edgeStateKeyValuePolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "edge-state-key-value",
    description: "The edge's state Key Value (…-edge-state) uses noeviction, has no IP allow list entries, and is not on the free plan in production.",
    level: checkArgs("edge-state-key-value", args, "mandatory"),
    config: z.object({}).strict(),
    rule: (r, _c, ctx) => edgeStateKeyValueSafe(r, ctx.environment),
  });
}
