import * as fs from "node:fs";
import * as path from "node:path";
import { readBaselineFile } from "../config";
import { baselineDigest, baselineDigestProblem, signStackBaseline } from "../lib/baseline-digest";
import { alphaStackBaselineSigned } from "../rules/baseline";
import { checkMandatoryLevels, validatePackConfigFile } from "../pack/validate-config";
import { messages } from "./fixtures";

/** Issue 14 b (production baseline, digest) and e (the pack's own config cannot lower it). */

const committed = readBaselineFile("baseline.json");
const ctx = (stack: string, environment: "staging" | "production" = stack === "staging" ? "staging" : "production") => ({ stack, environment, dryRun: true });
const file = { baselineFile: "baseline.json", inline: false };

describe("alphastack-baseline-signed", () => {
  test("the committed baseline pins production and staging, each with a valid digest", () => {
    for (const stack of ["production", "staging"]) {
      expect(committed.stacks[stack]?.resources.length).toBeGreaterThan(0);
      expect(baselineDigestProblem(stack, committed.stacks[stack])).toBeUndefined();
      expect(alphaStackBaselineSigned(committed, file, ctx(stack))).toEqual({ status: "compliant" });
    }
  });

  test("production without its entry is a violation", () => {
    const { production: _p, ...rest } = committed.stacks;
    expect(messages(alphaStackBaselineSigned({ ...committed, stacks: rest }, file, ctx("production")))[0]).toMatch(
      /^Production stack production must have its AlphaStack baseline: the baseline has no entry for stack production/,
    );
  });

  test("a pin deleted, a hash pasted or a digest copied by hand is a violation", () => {
    const prod = committed.stacks.production;
    const deleted = { ...prod, resources: prod.resources.slice(1) };
    expect(messages(alphaStackBaselineSigned({ ...committed, stacks: { ...committed.stacks, production: deleted } }, file, ctx("production")))[0]).toMatch(
      /does not match its digest \(edited by hand\?\)/,
    );
    const copied = { ...committed.stacks.staging }; // staging's entry and digest under production's name
    expect(messages(alphaStackBaselineSigned({ ...committed, stacks: { ...committed.stacks, production: copied } }, file, ctx("production"))).length).toBe(1);
    const unsigned = { ...prod, digest: undefined };
    expect(messages(alphaStackBaselineSigned({ ...committed, stacks: { ...committed.stacks, production: unsigned } }, file, ctx("production")))[0]).toMatch(
      /has no digest/,
    );
  });

  test("the digest covers the stack name and a domain-separation string; signing is what npm run baseline does", () => {
    const e = committed.stacks.production;
    expect(baselineDigest("production", e)).not.toBe(baselineDigest("staging", e));
    expect(signStackBaseline("production", { ...e, digest: undefined }).digest).toBe(e.digest);
  });

  test("a baselineFile override or an inline baseline on a real stack is a violation", () => {
    expect(messages(alphaStackBaselineSigned(committed, { baselineFile: "empty.json", inline: false }, ctx("production")))[0]).toMatch(
      /must not set baselineFile \("empty.json"\)/,
    );
    expect(messages(alphaStackBaselineSigned(committed, { baselineFile: "baseline.json", inline: true }, ctx("production")))[0]).toMatch(
      /must not carry an inline baseline for stack production/,
    );
  });
});

describe("mandatory policies cannot be lowered by the config (issue 14 e)", () => {
  test.each([
    [{ "alphastack-frozen": "disabled" }, /"alphastack-frozen" is "disabled", but alphastack-frozen is mandatory/],
    [{ all: "disabled" }, /"all": "disabled" would lower/],
    [{ all: { enforcementLevel: "advisory" } }, /"all": "advisory" would lower/],
    [{ "environment-isolation": { enforcementLevel: "advisory" } }, /environment-isolation is mandatory/],
    [{ "production-requires-promotion": "disabled" }, /production-requires-promotion is mandatory/],
    [{ "alphastack-references-pinned": { baselineFile: "other.json" } }, /baselineFile is "other.json"/],
  ])("%j is refused", (raw, msg) => expect(() => checkMandatoryLevels(raw as Record<string, unknown>, "cfg")).toThrow(msg));

  test("advisory policies may still be lowered, and the committed configs validate", () => {
    expect(() => checkMandatoryLevels({ "production-auto-deploy-off": "disabled", "alphastack-frozen": "mandatory" }, "cfg")).not.toThrow();
    for (const f of ["staging.json", "production.json"]) validatePackConfigFile(path.join(__dirname, "..", "config", f));
    expect(fs.existsSync(path.join(__dirname, "..", "config", "production.json"))).toBe(true);
  });
});
