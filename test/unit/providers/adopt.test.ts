import { createOrAdopt } from "../../../infra/providers/adopt";
import { RenderApiError } from "../../../infra/render/errors";

const err = (status: number) => new RenderApiError({ method: "POST", path: "/services", status, renderMessage: "x", attempts: 1 });
const noSleep = async () => {};

describe("createOrAdopt", () => {
  it("adopts an existing twin without creating", async () => {
    let creates = 0;
    const r = await createOrAdopt({ find: async () => "existing", create: async () => { creates++; return "new"; }, sleep: noSleep });
    expect(r).toEqual({ resource: "existing", adopted: true });
    expect(creates).toBe(0);
  });
  it("after a 5xx whose create did happen, adopts instead of creating a twin", async () => {
    const world: string[] = [];
    const r = await createOrAdopt({
      find: async () => world[0],
      create: async () => { world.push("made"); throw err(503); },
      sleep: noSleep,
    });
    expect(r).toEqual({ resource: "made", adopted: true });
    expect(world).toEqual(["made"]);
  });
  it("after a 5xx that did nothing, tries again", async () => {
    let n = 0;
    const r = await createOrAdopt({ find: async () => undefined, create: async () => { if (n++ === 0) throw err(0); return "made"; }, sleep: noSleep });
    expect(r).toEqual({ resource: "made", adopted: false });
  });
  it("does not retry a 4xx", async () => {
    let n = 0;
    await expect(createOrAdopt({ find: async () => undefined, create: async () => { n++; throw err(400); }, sleep: noSleep })).rejects.toThrow(/HTTP 400/);
    expect(n).toBe(1);
  });
  it("gives up after its attempts", async () => {
    let n = 0;
    await expect(createOrAdopt({ find: async () => undefined, create: async () => { n++; throw err(500); }, attempts: 3, sleep: noSleep })).rejects.toThrow(/HTTP 500/);
    expect(n).toBe(3);
  });
});
