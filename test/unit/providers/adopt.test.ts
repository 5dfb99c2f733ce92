import { createOrAdopt, NothingToAdoptError, runAdopting } from "../../../infra/providers/adopt";
import { importRefusal } from "../../../infra/providers/dynamic";
import { ALPHASTACK_PROTECTED_IDS } from "../../../infra/providers/guard";
import { RenderApiError } from "../../../infra/render/errors";

const err = (status: number) => new RenderApiError({ method: "POST", path: "/services", status, renderMessage: "x", attempts: 1 });
const noSleep = async () => {};

describe("createOrAdopt", () => {
  it("adopts an existing twin without creating", async () => {
    let creates = 0;
    const r = await createOrAdopt({
      find: async () => "existing",
      create: async () => {
        creates++;
        return "new";
      },
      sleep: noSleep,
    });
    expect(r).toEqual({ resource: "existing", adopted: true });
    expect(creates).toBe(0);
  });
  it("after a 5xx whose create did happen, adopts instead of creating a twin", async () => {
    const world: string[] = [];
    const r = await createOrAdopt({
      find: async () => world[0],
      create: async () => {
        world.push("made");
        throw err(503);
      },
      sleep: noSleep,
    });
    expect(r).toEqual({ resource: "made", adopted: true });
    expect(world).toEqual(["made"]);
  });
  it("after a 5xx that did nothing, tries again", async () => {
    let n = 0;
    const r = await createOrAdopt({
      find: async () => undefined,
      create: async () => {
        if (n++ === 0) throw err(0);
        return "made";
      },
      sleep: noSleep,
    });
    expect(r).toEqual({ resource: "made", adopted: false });
  });
  it("does not retry a 4xx", async () => {
    let n = 0;
    await expect(
      createOrAdopt({
        find: async () => undefined,
        create: async () => {
          n++;
          throw err(400);
        },
        sleep: noSleep,
      }),
    ).rejects.toThrow(/HTTP 400/);
    expect(n).toBe(1);
  });
  it("gives up after its attempts", async () => {
    let n = 0;
    await expect(
      createOrAdopt({
        find: async () => undefined,
        create: async () => {
          n++;
          throw err(500);
        },
        attempts: 3,
        sleep: noSleep,
      }),
    ).rejects.toThrow(/HTTP 500/);
    expect(n).toBe(3);
  });
});

describe("explicit adoption (adopt: true)", () => {
  it("adopts the existing resource and never creates", async () => {
    let creates = 0;
    const r = await runAdopting("service", () =>
      createOrAdopt({
        find: async () => "existing",
        create: async () => {
          creates++;
          return "new";
        },
        sleep: noSleep,
      }),
    );
    expect(r).toEqual({ resource: "existing", adopted: true });
    expect(creates).toBe(0);
  });
  it("fails naming the fix when nothing matches, instead of creating", async () => {
    let creates = 0;
    const p = runAdopting("service", () =>
      createOrAdopt({
        find: async () => undefined,
        create: async () => {
          creates++;
          return "new";
        },
        sleep: noSleep,
      }),
    );
    await expect(p).rejects.toBeInstanceOf(NothingToAdoptError);
    await expect(p).rejects.toThrow("adopt: true, but Render has no service matching this resource's identity");
    expect(creates).toBe(0);
  });
  it("is refused by a kind whose create does not adopt", async () => {
    await expect(runAdopting("env-vars", async () => "done")).rejects.toThrow("adopt is not supported by env-vars");
  });
  it("does not change a plain create outside the scope", async () => {
    const r = await createOrAdopt({ find: async () => undefined, create: async () => "new", sleep: noSleep });
    expect(r).toEqual({ resource: "new", adopted: false });
  });
});

describe("importRefusal", () => {
  it("names adopt for our resources, and AlphaStack for AlphaStack's ids (case, compound ids, trailing dots)", () => {
    expect(importRefusal("pulumi-nodejs:dynamic/render:Service", "api", "srv-abc12345", ALPHASTACK_PROTECTED_IDS)).toMatch(
      /^render:Service "api": the import option does not work .*set adopt: true .*\.$/,
    );
    for (const id of ["SRV-alphastackengine0000", "evg-alphastackenv0000000/srv-abc12345", "Engine.AlphaStack.example."]) {
      expect(importRefusal("pulumi-nodejs:dynamic/render:EnvGroupLink", "x", id, ALPHASTACK_PROTECTED_IDS)).toMatch(
        /is AlphaStack's, and AlphaStack is never managed by this program/,
      );
    }
  });
});
