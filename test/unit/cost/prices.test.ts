import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { POSTGRES_PLANS, SERVICE_PLANS } from "../../../infra/config/render-enums";
import { DEFAULT_PRICE_TABLE, loadPriceTable } from "../../../infra/cost/prices";

function withTable(edit: (t: any) => void): string {
  const t = JSON.parse(fs.readFileSync(DEFAULT_PRICE_TABLE, "utf8"));
  edit(t);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sg-prices-")), "prices.json");
  fs.writeFileSync(file, JSON.stringify(t));
  return file;
}

describe("the committed price table", () => {
  const table = loadPriceTable();

  it("is dated and names a source for every figure it gives", () => {
    expect(table.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const p of [...Object.values(table.services), ...Object.values(table.postgres.plans)]) {
      if (p.monthly !== null) expect(p.source.length).toBeGreaterThan(0);
      for (const id of p.source) expect(table.sources[id]).toBeDefined();
    }
  });

  it("lists every plan the stack config schema accepts", () => {
    expect(Object.keys(table.services).sort()).toEqual([...SERVICE_PLANS].sort());
    expect(Object.keys(table.postgres.plans).sort()).toEqual([...POSTGRES_PLANS].sort());
  });

  it("prices the plans the committed stacks use", () => {
    for (const plan of ["starter", "standard"] as const) expect(table.services[plan].monthly).toEqual(expect.any(Number));
    for (const plan of ["basic_1gb", "pro_4gb"] as const) expect(table.postgres.plans[plan].monthly).toEqual(expect.any(Number));
  });
});

describe("loadPriceTable", () => {
  it("rejects a price without a source, naming the field", () => {
    const file = withTable((t) => (t.services.pro.source = []));
    expect(() => loadPriceTable(file)).toThrow(/services\.pro\.source: a price needs at least one source/);
  });

  it("rejects a citation of an unknown source", () => {
    const file = withTable((t) => (t.postgres.plans.basic_1gb.source = ["nowhere"]));
    expect(() => loadPriceTable(file)).toThrow(/postgres\.plans\.basic_1gb\.source: cites unknown source 'nowhere'/);
  });

  it("rejects a negative price", () => {
    const file = withTable((t) => (t.services.starter.monthly = -7));
    expect(() => loadPriceTable(file)).toThrow(/services\.starter\.monthly/);
  });

  it("names the file it cannot read", () => {
    expect(() => loadPriceTable("/nonexistent/prices.json")).toThrow(/cannot read the price table \/nonexistent\/prices\.json/);
  });
});
