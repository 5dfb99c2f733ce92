/** Alert rules: one model, validation, evaluation, exporters, SLO burn rates, defaults. */
export * from "./duration";
export * from "./signals";
export * from "./protected";
export * from "./rule";
export * from "./evaluate";
export * from "./slo";
export * from "./defaults";
export * from "./exporters/prometheus";
export * from "./exporters/grafana";
export * from "./exporters/datadog";
export * from "./edge-extension";
export * from "./actions";
