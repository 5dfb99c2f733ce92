import { paginate } from "../../../infra/render/pagination";

describe("paginate", () => {
  const rows = Array.from({ length: 7 }, (_, i) => ({ cursor: `c${i}`, n: i }));
  const pager = (calls: Array<string | undefined>) => async (cursor: string | undefined, limit: number) => {
    calls.push(cursor);
    const start = cursor === undefined ? 0 : rows.findIndex((r) => r.cursor === cursor) + 1;
    return rows.slice(start, start + limit);
  };
  it("follows the last item's cursor until a short page", async () => {
    const calls: Array<string | undefined> = [];
    const all = await paginate(pager(calls), { limit: 3 });
    expect(all.map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(calls).toEqual([undefined, "c2", "c5"]);
  });
  it("stops after an empty page when the total is a multiple of the limit", async () => {
    const calls: Array<string | undefined> = [];
    const all = await paginate(async (c, l) => pager(calls)(c, l).then((r) => r.filter((x) => x.n < 6)), { limit: 3 });
    expect(all).toHaveLength(6);
    expect(calls).toEqual([undefined, "c2", "c5"]);
  });
  it("refuses to loop on a repeated cursor", async () => {
    await expect(paginate(async () => [{ cursor: "same" }, { cursor: "same" }], { limit: 2 })).rejects.toThrow(/cursor repeated/);
  });
});
