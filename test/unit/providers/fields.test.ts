import { z } from "zod";
import { bodyFrom, type BodyParts, resourceFields } from "../../../infra/providers/fields";

/** The derivation itself (infra/providers/fields.ts): what each provider's lists are computed from. */
describe("resourceFields", () => {
  const schema = z
    .object({ name: z.string(), owner: z.string(), plan: z.string().optional(), size: z.number().optional(), path: z.string().optional() })
    .strict()
    .transform((v) => ({ ...v, plan: v.plan ?? "starter" }));
  const computed = z.object({ id: z.string(), url: z.string().optional() });

  it("derives the replace, update, action and in-place lists, the outputs and the diff spec from one table", () => {
    const f = resourceFields(schema, { name: "update", owner: "replace", plan: "update", size: "action", path: "local" }, computed, { onlyWhenSet: ["size"] });
    expect(f.inputs).toEqual(["name", "owner", "plan", "size", "path"]);
    expect(f.replace).toEqual(["owner"]);
    expect(f.update).toEqual(["name", "plan"]);
    expect(f.action).toEqual(["size"]);
    expect(f.inPlace).toEqual(["name", "plan", "size"]);
    expect(f.outputs).toEqual(["name", "owner", "plan", "size", "id", "url"]);
    expect(f.diffSpec).toEqual({ replace: ["owner"], update: ["name", "plan", "size"], onlyWhenSet: ["size"] });
  });

  it("refuses a table out of step with the schema, naming the fields", () => {
    expect(() => resourceFields(schema, { name: "update", owner: "replace", plan: "update", size: "action" } as never, computed)).toThrow(/missing path/);
    expect(() =>
      resourceFields(schema, { name: "update", owner: "replace", plan: "update", size: "action", path: "local", colour: "update" } as never, computed),
    ).toThrow(/not in the schema colour/);
    expect(() =>
      resourceFields(schema, { name: "update", owner: "replace", plan: "update", size: "action", path: "local" }, z.object({ name: z.string() })),
    ).toThrow(/computed and input name/);
  });
});

describe("bodyFrom", () => {
  type I = { name: string; start?: string; build?: string };
  const parts: BodyParts<I, "name" | "start" | "build"> = {
    name: (i) => ({ name: i.name }),
    start: (i) => ({ details: { env: { startCommand: i.start ?? "" } } }),
    build: (i) => (i.build === undefined ? {} : { details: { env: { buildCommand: i.build } } }),
  };
  it("merges the parts deeply (two fields into one nested object) and skips undefined", () => {
    expect(bodyFrom(parts, { name: "a", start: "node s.js", build: "make" })).toEqual({
      name: "a",
      details: { env: { startCommand: "node s.js", buildCommand: "make" } },
    });
    expect(bodyFrom(parts, { name: "a" })).toEqual({ name: "a", details: { env: { startCommand: "" } } });
  });
  it("never mutates the inputs", () => {
    const shared = { env: { startCommand: "x" } };
    const p: BodyParts<{ n: string }, "n"> = { n: () => ({ details: shared }) };
    const out = bodyFrom({ ...p, m: () => ({ details: { env: { buildCommand: "y" } } }) } as BodyParts<{ n: string }, "n">, { n: "" });
    expect(out).toEqual({ details: { env: { startCommand: "x", buildCommand: "y" } } });
    expect(shared).toEqual({ env: { startCommand: "x" } });
  });
});
