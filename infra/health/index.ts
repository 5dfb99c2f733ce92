/** Probes and analysis after Argo Rollouts' model (see README.md). */
export * from "./measurement";
export * from "./metric";
export * from "./analyze";
export * from "./provider";
export * from "./runner";
export * from "./histogram";
export { abortableSleep } from "./sleep";
export { HttpProbeProvider, probe, type HttpProbeOptions } from "./providers/http-probe";
export { EdgeMetricsProvider, fetchEdgeMetrics, windowValue, type EdgeMetricsOptions } from "./providers/edge-metrics";
export * from "./providers/edge-metrics/wire";
