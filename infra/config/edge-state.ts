/**
 * The edge's shared state (active slots, flags, kill-switch overrides, alert rules) lives in one Render Key Value
 * instance per environment, named `<prefix>-edge-state`. The suffix is how the policy pack recognises that instance
 * (`edge-state-key-value`: noeviction, no external access, a persistent plan in production) and how the program names
 * it, so both read it from here.
 */
export const EDGE_STATE_KV_SUFFIX = "-edge-state";
