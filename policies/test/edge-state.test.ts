import { EDGE_STATE_KV_SUFFIX } from "../../infra/config/edge-state";
import { edgeStateKeyValueSafe } from "../rules/edge-state";
import { TYPES } from "../rules/types";
import { messages, res } from "./fixtures";

const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A compliant edge-state Key Value (as its provider's check returns it: ipAllowList defaults to []). */
const kv = (props: Record<string, unknown> = {}) =>
  res(TYPES.keyValue, "edge-state", {
    name: `prod${EDGE_STATE_KV_SUFFIX}`,
    ownerId: "tea-alphastackprod000000",
    plan: "starter",
    region: "oregon",
    maxmemoryPolicy: "noeviction",
    ipAllowList: [],
    ...props,
  });

describe("edge-state-key-value", () => {
  test("the suffix is -edge-state", () => {
    expect(EDGE_STATE_KV_SUFFIX).toBe("-edge-state");
  });
  test("a compliant edge-state Key Value passes in production and staging", () => {
    expect(edgeStateKeyValueSafe(kv(), "production")).toEqual({ status: "compliant" });
    expect(edgeStateKeyValueSafe(kv({ plan: "free" }), "staging")).toEqual({ status: "compliant" });
  });
  test("another eviction policy is refused, naming it and the fix", () => {
    expect(messages(edgeStateKeyValueSafe(kv({ maxmemoryPolicy: "allkeys_lru" }), "staging"))).toEqual([
      'render:KeyValue "edge-state" (prod-edge-state, the edge\'s shared state) must set maxmemoryPolicy: "noeviction", not "allkeys_lru": evicting keys would silently reset active slots, flags and kill switches. Set maxmemoryPolicy: "noeviction" (a full instance then refuses writes, loudly).',
    ]);
  });
  test("an unset eviction policy is refused (left to Render's default)", () => {
    expect(messages(edgeStateKeyValueSafe(kv({ maxmemoryPolicy: undefined }), "staging"))[0]).toMatch(
      /must set maxmemoryPolicy: "noeviction", not unset \(left to Render's default\)/,
    );
  });
  test("an IP allow list entry is refused, listing the CIDRs", () => {
    const m = messages(edgeStateKeyValueSafe(kv({ ipAllowList: [{ cidrBlock: "203.0.113.0/24", description: "office" }] }), "staging"));
    expect(m).toEqual([expect.stringMatching(/must not have ipAllowList entries \(203\.0\.113\.0\/24\): .* Remove them \(ipAllowList: \[\]\)\.$/)]);
  });
  test("the free plan is refused in production only", () => {
    expect(messages(edgeStateKeyValueSafe(kv({ plan: "free" }), "production"))).toEqual([
      expect.stringMatching(/must not use the free plan in production: it has no persistence.* Use plan "starter" or larger\.$/),
    ]);
  });
  test("every broken property is reported at once", () => {
    expect(
      messages(edgeStateKeyValueSafe(kv({ plan: "free", maxmemoryPolicy: "volatile_ttl", ipAllowList: [{ cidrBlock: "0.0.0.0/0" }] }), "production")),
    ).toHaveLength(3);
  });
  test("other Key Values, other types and unknown values are not judged", () => {
    expect(edgeStateKeyValueSafe(kv({ name: "cache", maxmemoryPolicy: "allkeys_lru" }), "production").status).toBe("not-applicable");
    expect(edgeStateKeyValueSafe(kv({ name: "edge-state-cache", maxmemoryPolicy: "allkeys_lru" }), "production").status).toBe("not-applicable");
    expect(edgeStateKeyValueSafe(res(TYPES.postgres, "db", { name: "prod-edge-state" }), "production").status).toBe("not-applicable");
    expect(edgeStateKeyValueSafe(kv({ name: UNKNOWN_STRING }), "production").status).toBe("not-applicable");
    expect(edgeStateKeyValueSafe(kv({ maxmemoryPolicy: UNKNOWN_STRING, ipAllowList: UNKNOWN_STRING }), "production")).toEqual({ status: "compliant" });
  });
});
