/** Render dynamic resources (program side). Implementations live in `impl/` and are loaded lazily by kind. */
export { Service, type ServiceArgs } from "./service";
export { EnvGroup, type EnvGroupArgs } from "./env-group";
export { EnvGroupLink, type EnvGroupLinkArgs } from "./env-group-link";
export { MetricStream, type MetricStreamArgs } from "./metric-stream";
export { LogStream, type LogStreamArgs } from "./log-stream";
export { EnvVars, type EnvVarsArgs } from "./env-vars";
export { SecretFiles, type SecretFilesArgs } from "./secret-files";
export { CustomDomain, type CustomDomainArgs } from "./custom-domain";
export { Postgres, type PostgresArgs, type PostgresConnectionInfo } from "./postgres";
export { PostgresExport, type PostgresExportArgs } from "./postgres-export";
export { KeyValue, type KeyValueArgs, type KeyValueConnectionInfo } from "./key-value";
export { ALPHASTACK_PROTECTED_IDS, ProtectedResourceError } from "./guard";
export { FeatureFlag, type FeatureFlagArgs } from "./feature-flag";
export { AlertRule, type AlertRuleArgs } from "./alert-rule";
export { TrafficSwitch, type TrafficSwitchArgs } from "./traffic-switch";
