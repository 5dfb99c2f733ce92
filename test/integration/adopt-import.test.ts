/**
 * Adopting existing Render resources, on the real engine and the simulator: `adopt: true` takes over a service that
 * exists on Render (shown in the preview, no twin created), fails when there is nothing to adopt, and Pulumi's
 * `import` option on our resources is refused at once with one sentence (naming AlphaStack for AlphaStack's ids)
 * instead of the SDK's "Cannot read properties of undefined (reading 'toJavaScript')".
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startSimulator } from "../../sim";
import { PulumiProject } from "../support/pulumi-project";
import { renderApi } from "../support/render-api";

jest.setTimeout(1_200_000);

/** How long a refused preview may take to end (measured 2.3 to 5 minutes at a load average of 18 on 2 cores). */
const REFUSAL_TIMEOUT_MS = 900_000;

const OWNER = "tea-stackguardstaging000";

/** A program of one Service with the given extra args/options (replaces the project copy's program). */
function program(args: string, opts = "{}", extra = ""): string {
  return `
import { Service } from "../infra/providers";
const svc = new Service("legacy-api", {
  name: "legacy-api", ownerId: "${OWNER}", type: "web_service", image: "docker.io/acme/legacy:1", plan: "starter",
  healthCheckPath: "/healthz", ${args}
}, ${opts});
export const id = svc.id;
${extra}
`;
}

describe("adopting existing Render resources", () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let project: PulumiProject;
  let api: ReturnType<typeof renderApi>;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-adopt-sim-"));
  let existingId = "";

  const setProgram = (source: string) => fs.writeFileSync(path.join(project.dir, "stacks", "index.ts"), source);
  const legacyServices = async () => (await api<any[]>("GET", `/services?ownerId=${OWNER}&name=legacy-api&limit=100`)).body.map((w) => w.service.id);

  beforeAll(async () => {
    sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed" });
    api = renderApi(sim.apiUrl, sim.apiKey);
    // A service made outside this program (by hand in the dashboard, or by another tool).
    const created = await api<any>("POST", "/services", {
      type: "web_service",
      name: "legacy-api",
      ownerId: OWNER,
      image: { ownerId: OWNER, imagePath: "docker.io/acme/legacy:1" },
      serviceDetails: { runtime: "image", plan: "starter", healthCheckPath: "/healthz" },
    });
    expect(created.status).toBe(201);
    existingId = created.body.service.id;
    project = await PulumiProject.create({ render: sim });
    await project.selectStack("staging");
  });

  afterAll(async () => {
    project?.dispose();
    await sim?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("import on one of our resources fails at once with one sentence naming adopt, not the SDK's stack trace", async () => {
    setProgram(program("", `{ import: "${existingId}" }`));
    // The program stops at construction, but the SDK then spends minutes of CPU (under load) formatting rejections
    // of the half-built resource before the CLI ends: a generous timeout (see the report / README).
    const r = await project.run(["preview", "--stack", "staging"], {}, REFUSAL_TIMEOUT_MS);
    const out = r.stdout + r.stderr;
    expect(r.code).not.toBe(0);
    expect(out).not.toContain("toJavaScript");
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
    const lines = out.split("\n").filter((l) => l.includes("the import option does not work"));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toContain(
      `render:Service "legacy-api": the import option does not work on stackguard's Render resources (Pulumi dynamic providers cannot import, pulumi/pulumi#16175): remove import and set adopt: true to take over the existing resource by its identity (name and owner)`,
    );
  });

  it("import of one of AlphaStack's ids is refused naming AlphaStack", async () => {
    setProgram(program("", `{ import: "SRV-AlphaStackEngine0000" }`));
    const r = await project.run(["preview", "--stack", "staging"], {}, REFUSAL_TIMEOUT_MS);
    const out = r.stdout + r.stderr;
    expect(r.code).not.toBe(0);
    expect(out).not.toContain("toJavaScript");
    expect(out).toContain(
      `render:Service "legacy-api": import of SRV-AlphaStackEngine0000 refused: srv-alphastackengine0000 is AlphaStack's, and AlphaStack is never managed by this program`,
    );
  });

  it("adopt: true shows in the preview, then takes over the existing service without creating a twin", async () => {
    setProgram(program("adopt: true,"));
    const preview = await project.run(["preview", "--diff", "--stack", "staging"]);
    expect(preview.stderr).toBe("");
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/\+ pulumi-nodejs:dynamic\/render:Service: \(create\)\s+\[urn=[^\]]*::legacy-api\][\s\S]*adopt\s*: true/);

    const up = await project.run(["up", "--yes", "--skip-preview", "--stack", "staging"]);
    expect(up.stderr + up.stdout).not.toMatch(/error:/);
    expect(up.code).toBe(0);
    expect((await project.outputs("staging")).id).toBe(existingId);
    expect(await legacyServices()).toEqual([existingId]);
    const again = await project.run(["preview", "--expect-no-changes", "--stack", "staging"]);
    expect(again.code).toBe(0);
  });

  it("adopt: true with an identity Render does not have fails instead of creating", async () => {
    const ghost = program("adopt: true,")
      .split("\n")
      .slice(2, 6)
      .join("\n")
      .replace(/legacy-api/g, "legacy-typo")
      .replace("const svc", "const ghost");
    setProgram(program("adopt: true,", "{}", ghost));
    const r = await project.run(["up", "--yes", "--skip-preview", "--stack", "staging"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(
      "adopt: true, but Render has no service matching this resource's identity (its name and owner, and the fields that identify it): correct them to the existing resource's, or remove adopt to create a new one",
    );
    expect((await api<any[]>("GET", `/services?ownerId=${OWNER}&name=legacy-typo&limit=10`)).body).toEqual([]);
  });
});
