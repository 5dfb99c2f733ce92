/**
 * The embedded Render runs a service's `preDeployCommand` for real in the deploy's pre-deploy phase: a shell process
 * with the deploy's env (own env vars and linked env groups') and secret files, in an empty scratch directory, none
 * of the simulator's own env. A non-zero exit fails the deploy (`pre_deploy_failed`) and the live deploy keeps
 * serving; the failure's reason (the output's last line) is redacted.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPreDeploy } from "../../../sim/lifecycle/pre-deploy";
import { eventually, STAGING, withSim } from "./helpers";

const HOST_CANARY = "sim-host-canary-7f3a91c2";
const PASSWORD = "pw-canary-5e0b2d77";

describe("pre-deploy commands run for real", () => {
  let h: Awaited<ReturnType<typeof withSim>>;
  let id: string;
  let url: string;

  const status = async (deployId: string) => (await h.api.get(`/services/${id}/deploys/${deployId}`)).body.status as string;
  const ended = (deployId: string) =>
    eventually(
      async () => {
        const s = await status(deployId);
        return ["live", "pre_deploy_failed", "update_failed", "canceled"].includes(s) && s;
      },
      20_000,
      25,
    );
  const withCommand = async (cmd: string, image: string) => {
    expect((await h.api.patch(`/services/${id}`, { serviceDetails: { preDeployCommand: cmd } })).status).toBe(200);
    const d = await h.api.post(`/services/${id}/deploys`, { imageUrl: image });
    expect(d.status).toBe(201);
    return d.body.id as string;
  };
  const version = async () => ((await (await fetch(`${url}/version`, { signal: AbortSignal.timeout(5_000) })).json()) as { version: string }).version;

  beforeAll(async () => {
    // The simulator's own environment may hold credentials: a command must never see them.
    process.env.SIM_TEST_HOST_SECRET = HOST_CANARY;
    h = await withSim();
    const created = await h.api.post("/services", {
      type: "web_service",
      name: "predeploy-web",
      ownerId: STAGING,
      autoDeploy: "no",
      image: { ownerId: STAGING, imagePath: "docker.io/acme/web:1.0.0" },
      serviceDetails: { runtime: "image", healthCheckPath: "/healthz" },
      envVars: [{ key: "DB_PASSWORD", value: PASSWORD }],
    });
    expect(created.status).toBe(201);
    id = created.body.service.id;
    expect(await ended(created.body.deployId)).toBe("live");
    url = created.body.service.serviceDetails.url;
    const group = await h.api.post("/env-groups", { name: "predeploy-shared", ownerId: STAGING, envVars: [{ key: "LINKED", value: "from-group" }] });
    expect((await h.api.post(`/env-groups/${group.body.id}/services/${id}`)).status).toBe(200);
  });
  afterAll(async () => {
    delete process.env.SIM_TEST_HOST_SECRET;
    await h.done();
    rmSync(marks, { recursive: true, force: true });
  });
  const marks = mkdtempSync(join(tmpdir(), "sg-predeploy-marks-"));
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it("runs with the deploy's env (linked groups too), Render's variables, an empty working directory and no simulator env", async () => {
    const checks = [
      `[ "$RENDER" = true ] || { echo "no RENDER"; exit 1; }`,
      `[ "$LINKED" = from-group ] || { echo "no LINKED"; exit 1; }`,
      `[ "$DB_PASSWORD" = ${PASSWORD} ] || { echo "no DB_PASSWORD"; exit 1; }`,
      `[ "$RENDER_SERVICE_ID" = ${id} ] || { echo "no RENDER_SERVICE_ID"; exit 1; }`,
      `[ -z "$SIM_TEST_HOST_SECRET" ] || { echo "simulator env leaked"; exit 1; }`,
      `[ -z "$(ls -A)" ] || { echo "working directory not empty"; exit 1; }`,
      `command -v psql >/dev/null || { echo "no psql"; exit 1; }`,
    ].join("; ");
    const dep = await withCommand(checks, "docker.io/acme/web:1.1.0");
    const result = await ended(dep);
    const events = (await h.api.get(`/services/${id}/events?limit=50`)).body.map((e: any) => e.event);
    expect(events.find((e: any) => e.type === "pre_deploy_ended" && e.details.deployId === dep)?.details).toEqual({ deployId: dep, status: "succeeded" });
    expect(result).toBe("live");
    expect(events.some((e: any) => e.type === "pre_deploy_started" && e.details.deployId === dep)).toBe(true);
    expect(await version()).toBe("1.1.0");
  });

  it("a failing command fails the deploy with pre_deploy_failed; the live version keeps serving; the reason is redacted", async () => {
    const dep = await withCommand(
      `echo "connecting with $DB_PASSWORD"; echo "relation \\"orders\\" does not exist: $DB_PASSWORD" >&2; exit 3`,
      "docker.io/acme/web:1.2.0",
    );
    expect(await ended(dep)).toBe("pre_deploy_failed");
    expect(await version()).toBe("1.1.0");
    const events = (await h.api.get(`/services/${id}/events?limit=50`)).body.map((e: any) => e.event);
    const end = events.find((e: any) => e.type === "pre_deploy_ended" && e.details.deployId === dep)?.details;
    expect(end).toMatchObject({
      status: "failed",
      reason: expect.stringMatching(/^pre-deploy command exited with code 3: relation "orders" does not exist: \[REDACTED\]$/),
    });
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
    expect(events.find((e: any) => e.type === "deploy_ended" && e.details.deployId === dep)?.details).toMatchObject({ deployStatus: "failed" });
  });

  it("canceling the deploy stops its running command (the whole process group)", async () => {
    const pidFile = join(marks, "sleep.pid");
    const dep = await withCommand(`sleep 120 & echo $! > ${pidFile}; wait`, "docker.io/acme/web:1.3.0");
    await eventually(async () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim().length > 0, 20_000, 25);
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(alive(pid)).toBe(true);
    expect((await h.api.post(`/services/${id}/deploys/${dep}/cancel`)).status).toBe(200);
    expect(await status(dep)).toBe("canceled");
    await eventually(async () => !alive(pid), 10_000, 25);
    expect(await version()).toBe("1.1.0");
  });

  it("a command that outlives its timeout is killed and fails", async () => {
    const spec = {
      id: "srv-timeout0000",
      name: "t",
      slug: "t",
      type: "web_service" as const,
      deployId: "dep-t",
      env: {},
      secretFiles: {},
      healthCheckPath: "",
      numInstances: 1,
      suspended: false,
      customDomains: [],
    };
    const r = await runPreDeploy("echo started; sleep 60", spec, { timeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, code: null, reason: "pre-deploy command timed out after 300 ms: started" });
  });
});
