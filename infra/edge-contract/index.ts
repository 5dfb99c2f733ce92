/**
 * The edge's wire contract: what the edge (`apps/edge`) and everything that talks to it agree on. No Pulumi, no
 * `apps/` imports: the deployed edge imports it, and so do the providers, the promotion, the CLIs and the guardian.
 * See README.md.
 */
export * from "./slots";
export * from "./state";
export * from "./admin-api";
export * from "./extensions";
export * from "./http";
export * from "./client";
