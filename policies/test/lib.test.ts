import * as path from "node:path";
import { canonicalJson, inputsHash } from "../lib/canonical";
import { ProtectedSet } from "../lib/protected";
import { parseUrn, stringsIn, UNKNOWN_SENTINELS } from "../lib/values";

describe("canonical inputs hash", () => {
  test("key order does not matter; __provider is excluded; values do", () => {
    const a = inputsHash({ b: 1, a: { y: [1, 2], x: "s" }, __provider: "code v1" });
    expect(inputsHash({ a: { x: "s", y: [1, 2] }, b: 1, __provider: "code v2" })).toBe(a);
    expect(inputsHash({ a: { x: "s", y: [2, 1] }, b: 1 })).not.toBe(a);
    expect(canonicalJson({ z: undefined, a: null })).toBe('{"a":null}');
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe("protected set", () => {
  const set = new ProtectedSet([]);
  test("ids match in URLs, hosts and connection strings, replicas included", () => {
    expect(set.mentions("https://api.render.com/v1/services/srv-alphastackengine0000/suspend").map((e) => e.token)).toEqual(["srv-alphastackengine0000"]);
    expect(set.mentions("postgres://u@dpg-alphastackdb00000000-b.oregon-postgres.render.com/db").map((e) => e.token)).toEqual(["dpg-alphastackdb00000000-a"]);
  });
  test("longer ids and look-alike hosts do not match", () => {
    expect(set.mentions("srv-alphastackengine00001")).toEqual([]);
    expect(set.mentions("engine.alphastack.example.org")).toEqual([]);
  });
  test("names match only when asked (commands), and only whole", () => {
    expect(set.mentions("alphastack-engine")).toEqual([]);
    expect(set.mentions("suspend alphastack-engine", true).map((e) => e.token)).toEqual(["alphastack-engine"]);
    expect(set.mentions("alphastack-engine-copy", true)).toEqual([]);
  });
});

describe("values", () => {
  test("the unknown sentinels are @pulumi/policy's", () => {
    const proxy = require(path.join(__dirname, "..", "node_modules", "@pulumi", "policy", "proxy.js")) as Record<string, unknown>;
    const theirs = Object.entries(proxy)
      .filter(([k]) => /^unknown.*Value$/.test(k))
      .map(([, v]) => v);
    expect(new Set(theirs)).toEqual(UNKNOWN_SENTINELS);
  });
  test("strings are found with their paths, keys included, unknowns skipped", () => {
    const found = stringsIn({ a: { "srv-k": ["x", "04da6b54-80e4-46f7-96ec-b56ff0331ba9"] }, __provider: "skip" }, new Set(["__provider"]));
    expect(found.map((s) => `${s.path}=${s.value}`)).toEqual(["a (key)=a", "a.srv-k (key)=srv-k", "a.srv-k[0]=x"]);
  });
  test("URNs split into stack, project, type and name", () => {
    expect(parseUrn("urn:pulumi:production::stackguard::stackguard:app:BlueGreen$pulumi-nodejs:dynamic/render:Service::api-blue")).toEqual({
      stack: "production",
      project: "stackguard",
      type: "pulumi-nodejs:dynamic/render:Service",
      name: "api-blue",
    });
  });
});
