/** Feature flags: flagd definitions, validation, lifetimes, the evaluating store, OFREP, admin API and app client. */
export * from "./definition";
export * from "./validate";
export * from "./lifetime";
export * from "./override";
export * from "./refs";
export * from "./store";
export * from "./ofrep";
export * from "./ofrep-handler";
export * from "./admin-api";
export * from "./admin-handler";
export * from "./client";
export * from "./edge-extension";
export * from "./ofrep-events";
export * from "./openfeature-provider";
