/**
 * Render's enumerations, as in `render-api/openapi.json` (schemas `region`, `plan`, `postgresVersion`).
 * Kept in one place so the stack config schema and the providers' `check` agree.
 */
export const RENDER_REGIONS = ["frankfurt", "oregon", "ohio", "singapore", "virginia"] as const;

/** Instance types for services (`free` and `custom` are excluded: neither belongs in this platform). */
export const SERVICE_PLANS = ["starter", "starter_plus", "standard", "standard_plus", "pro", "pro_plus", "pro_max", "pro_ultra"] as const;

/** Postgres instance types accepted by `POST /postgres` (flexible plans, as named in Render's docs). */
export const POSTGRES_PLANS = [
  "basic_256mb",
  "basic_1gb",
  "basic_4gb",
  "pro_4gb",
  "pro_8gb",
  "pro_16gb",
  "pro_32gb",
  "pro_64gb",
  "pro_128gb",
  "pro_192gb",
  "pro_256gb",
  "pro_384gb",
  "pro_512gb",
  "accelerated_16gb",
  "accelerated_32gb",
  "accelerated_64gb",
  "accelerated_128gb",
  "accelerated_256gb",
  "accelerated_384gb",
  "accelerated_512gb",
  "accelerated_768gb",
  "accelerated_1024gb",
] as const;

export const POSTGRES_VERSIONS = ["13", "14", "15", "16", "17", "18"] as const;

/** Key Value instance types accepted by `POST /key-value` (openapi `keyValuePlan`; `custom` is arranged with Render, not requested). */
export const KEY_VALUE_PLANS = ["free", "starter", "standard", "pro", "pro_plus"] as const;

/** Key Value eviction policies (openapi `maxmemoryPolicy`): the API spells them with `_`, redis with `-`. */
export const KEY_VALUE_MAXMEMORY_POLICIES = [
  "noeviction",
  "allkeys_lfu",
  "allkeys_lru",
  "allkeys_random",
  "volatile_lfu",
  "volatile_lru",
  "volatile_random",
  "volatile_ttl",
] as const;
