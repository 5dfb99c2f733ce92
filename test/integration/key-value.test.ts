/**
 * `render:KeyValue` on the real engine and the simulator (a real redis-server behind the instance): `up` creates it
 * and its secret connection string answers PING; the password is never printed and never in plain text in state;
 * an eviction-policy change is an in-place update that reaches the server; a refreshed preview shows no change;
 * `destroy` deletes it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Redis from "ioredis";
import { startSimulator } from "../../sim";
import { PulumiProject } from "../support/pulumi-project";
import { renderApi } from "../support/render-api";

jest.setTimeout(1_200_000);

const OWNER = "tea-stackguardstaging000";
const TYPE = "pulumi-nodejs:dynamic/render:KeyValue";

function program(policy: string): string {
  return `
import { KeyValue } from "../infra/providers";
const kv = new KeyValue("edge-state", { name: "it-edge-state", ownerId: "${OWNER}", plan: "starter", maxmemoryPolicy: "${policy}" });
export const id = kv.id;
export const policy = kv.maxmemoryPolicy;
export const url = kv.connectionInfo.internalConnectionString;
`;
}

async function serverPolicy(url: string): Promise<string> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 10_000 });
  try {
    await r.connect();
    expect(await r.ping()).toBe("PONG");
    return ((await r.config("GET", "maxmemory-policy")) as string[])[1];
  } finally {
    r.disconnect();
  }
}

describe("render:KeyValue on the real engine", () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let project: PulumiProject;
  let api: ReturnType<typeof renderApi>;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-kv-sim-"));
  const setProgram = (source: string) => fs.writeFileSync(path.join(project.dir, "stacks", "index.ts"), source);
  const up = () => project.run(["up", "--yes", "--non-interactive", "--skip-preview", "--stack", "staging"], {}, 600_000);

  beforeAll(async () => {
    sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed" });
    api = renderApi(sim.apiUrl, sim.apiKey);
    project = await PulumiProject.create({ render: sim });
    await project.selectStack("staging");
  });

  afterAll(async () => {
    project?.dispose();
    await sim?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("up creates it (secret connection info, answers PING), a policy change updates in place, refresh is clean, destroy deletes", async () => {
    setProgram(program("allkeys_lru"));
    const first = await up();
    expect(first.code).toBe(0);
    const outs = await project.outputs("staging");
    const id = outs.id as string;
    expect(id).toMatch(/^red-/);
    expect(outs.policy).toBe("allkeys_lru");
    expect(await serverPolicy(outs.url)).toBe("allkeys-lru");

    // Canary: the instance's password (from Render) is never printed, and the connection info is a secret in state.
    const info = (await api<any>("GET", `/key-value/${id}/connection-info`)).body;
    const password = decodeURIComponent(new URL(info.externalConnectionString).password);
    expect(password.length).toBeGreaterThanOrEqual(16);
    const exported = await project.run(["stack", "export", "--stack", "staging"]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).not.toContain(password);
    const res = JSON.parse(exported.stdout).deployment.resources.find((r: { type: string }) => r.type === TYPE);
    expect(res.id).toBe(id);
    expect(res.outputs.connectionInfo.ciphertext).toEqual(expect.any(String));

    // In place: the new policy reaches the server; the id stays.
    setProgram(program("noeviction"));
    const second = await up();
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/1 updated/);
    expect((await project.outputs("staging")).id).toBe(id);
    expect(await serverPolicy(outs.url)).toBe("noeviction");

    // Refresh reads it back as declared: nothing to change.
    const preview = await project.run(["preview", "--refresh", "--expect-no-changes", "--stack", "staging"], {}, 600_000);
    expect(preview.code).toBe(0);

    const gone = await project.run(["destroy", "--yes", "--non-interactive", "--skip-preview", "--stack", "staging"], {}, 600_000);
    expect(gone.code).toBe(0);
    expect((await api("GET", `/key-value/${id}`)).status).toBe(404);
    for (const r of [first, second, preview, gone]) expect(r.stdout + r.stderr).not.toContain(password);
  });
});
