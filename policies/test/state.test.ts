import { inputsHash } from "../lib/canonical";
import { ProtectedSet } from "../lib/protected";
import { buildStackBaseline, decodeSecrets, diffStackBaseline, StateResource } from "../lib/state";

const SIG = "4dabf18193072939515e22adb298388d";
const secret = (v: unknown) => ({ [SIG]: "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(v) });
const u = (t: string, n: string) => `urn:pulumi:production::stackguard::${t}::${n}`;

describe("baseline from state", () => {
  const resources: StateResource[] = [
    { urn: u("pulumi:pulumi:Stack", "stackguard-production"), type: "pulumi:pulumi:Stack" },
    {
      urn: u("pulumi:providers:pulumi-nodejs", "default"),
      type: "pulumi:providers:pulumi-nodejs",
      id: "p",
      inputs: { "stackguard:alphaStack": "srv-alphastackengine0000" },
    },
    {
      urn: u("pulumi-nodejs:dynamic/render:Service", "alphastack-engine"),
      type: "pulumi-nodejs:dynamic/render:Service",
      id: "srv-alphastackengine0000",
      external: true,
      inputs: {},
    },
    {
      urn: u("pulumi-nodejs:dynamic/stackguard:ProtectedRef", "alphastack-db"),
      type: "pulumi-nodejs:dynamic/stackguard:ProtectedRef",
      id: "ref-db",
      protect: true,
      inputs: { postgresId: "dpg-alphastackdb00000000-a", note: secret("s3cret"), __provider: "code" },
    },
    {
      urn: u("pulumi-nodejs:dynamic/render:Service", "api-blue"),
      type: "pulumi-nodejs:dynamic/render:Service",
      id: "srv-ourapiblue000000000",
      inputs: { ownerId: "tea-alphastackprod000000", name: "api-blue" },
    },
    {
      urn: u("pulumi-nodejs:dynamic/render:CustomDomain", "api"),
      type: "pulumi-nodejs:dynamic/render:CustomDomain",
      id: "cdm-ourapi00000000000000",
      inputs: { name: "api.alphaplatform.example" },
    },
  ];

  test("reads become read pins, ProtectedRefs managed pins with the hash of their decoded inputs; the rest is inventory", () => {
    const b = buildStackBaseline(resources, new ProtectedSet([]), "test");
    expect(b.resources).toEqual(
      [
        { urn: resources[2].urn, type: resources[2].type, id: "srv-alphastackengine0000", mode: "read" },
        {
          urn: resources[3].urn,
          type: resources[3].type,
          id: "dpg-alphastackdb00000000-a",
          mode: "managed",
          inputsHash: inputsHash({ postgresId: "dpg-alphastackdb00000000-a", note: "s3cret" }),
        },
      ].sort((a, b) => a.urn.localeCompare(b.urn)),
    );
    expect(b.inventory).toEqual(["api.alphaplatform.example", "cdm-ourapi00000000000000", "srv-ourapiblue000000000", "tea-alphastackprod000000"]);
    expect(JSON.stringify(b)).not.toMatch(/s3cret/);
  });

  test("an encrypted secret cannot be pinned: export with --show-secrets", () => {
    expect(() => decodeSecrets({ a: { [SIG]: "1b47061264138c4ac30d75fd1eb44270", ciphertext: "xx" } })).toThrow(
      /is an encrypted secret: export the state with --show-secrets/,
    );
  });

  test("the diff lists added, changed and removed pins and inventory", () => {
    const before = buildStackBaseline(resources, new ProtectedSet([]), "a");
    const changed = resources
      .map((r) => (r.urn.endsWith("alphastack-db") ? { ...r, inputs: { ...r.inputs, note: secret("other") } } : r))
      .filter((r) => !r.urn.endsWith("::api"));
    const d = diffStackBaseline(before, buildStackBaseline(changed, new ProtectedSet([]), "b"));
    expect(d).toEqual([
      expect.stringMatching(/^~ pin urn:.*alphastack-db: managed sha256:[0-9a-f]{64} → managed sha256:/),
      "- inventory api.alphaplatform.example",
      "- inventory cdm-ourapi00000000000000",
    ]);
    expect(diffStackBaseline(before, before)).toEqual([]);
  });
});
