import { imageWebService, withSim } from "./helpers";

/** Cursor pagination as Render's clients walk it (cassette-notes §7). */
describe("cursor pagination", () => {
  let h: Awaited<ReturnType<typeof withSim>>;
  beforeAll(async () => {
    h = await withSim();
  });
  afterAll(() => h.done());

  it("walks a service's env vars newest first with ?cursor= until []", async () => {
    const svc = (await h.api.post("/services", imageWebService("paged"))).body.service.id;
    const vars = Array.from({ length: 25 }, (_, i) => ({ key: `K${String(i).padStart(2, "0")}`, value: String(i) }));
    const put = await h.api.put(`/services/${svc}/env-vars`, vars);
    expect(put.body.map((v: any) => v.envVar.key)).toEqual(vars.map((v) => v.key));
    const seen: string[] = [];
    let cursor = "";
    for (let page = 0; page < 10; page++) {
      const r = await h.api.get(`/services/${svc}/env-vars?limit=10${cursor ? `&cursor=${cursor}` : ""}`);
      expect(r.status).toBe(200);
      if (r.body.length === 0) break;
      expect(r.body.length).toBeLessThanOrEqual(10);
      for (const item of r.body) {
        expect(Object.keys(item)).toEqual(["envVar", "cursor"]);
        expect(Buffer.from(item.cursor, "base64url")).toHaveLength(24);
      }
      seen.push(...r.body.map((v: any) => v.envVar.key));
      cursor = r.body[r.body.length - 1].cursor;
    }
    expect(seen).toEqual(vars.map((v) => v.key).reverse());
    // Env vars and secret files of one service share the cursor prefix; other lists differ.
    const files = await h.api.put(`/services/${svc}/secret-files`, [{ name: "a.txt", content: "x" }]);
    expect(files.body[0].cursor.slice(0, 10)).toBe(cursor.slice(0, 10));
  });

  it("pages the service list and honours filters; limit outside 1..100 is a 400", async () => {
    for (let i = 0; i < 3; i++) await h.api.post("/services", imageWebService(`list-${i}`));
    const first = await h.api.get("/services?limit=2&type=web_service");
    expect(first.body).toHaveLength(2);
    expect(Object.keys(first.body[0])).toEqual(["cursor", "service"]);
    const next = await h.api.get(`/services?limit=2&type=web_service&cursor=${first.body[1].cursor}`);
    const ids = [...first.body, ...next.body].map((s: any) => s.service.id);
    expect(new Set(ids).size).toBe(ids.length);
    const byName = await h.api.get("/services?name=list-1&type=web_service");
    expect(byName.body.map((s: any) => s.service.name)).toEqual(["list-1"]);
    expect((await h.api.get("/services?limit=0")).status).toBe(400);
    expect((await h.api.get("/services?limit=101")).status).toBe(400);
    expect((await h.api.get("/services?cursor=%25%25")).status).toBe(400);
    const emptyCursor = await h.api.get("/services?cursor=&limit=100");
    expect(emptyCursor.status).toBe(200);
  });
});
