/**
 * `npm run bench:kill-promotion -- [--trials 20] [--seed 1]`
 *
 * Kills `pulumi up` with SIGKILL at a random point of a promotion — half the trials the whole process tree (CLI,
 * language host, providers: a CI job cancel), half only the CLI's process group (the orphaned dynamic provider must
 * stop by itself) — then checks the invariant: traffic is on a slot whose latest verdict is a passing analysis. Then runs
 * `pulumi up` again and checks that it converges: exit 0, the declared version live on the active slot, with a
 * finished bake (or baseline) verdict. Real engine, real program, in-process simulator, steady traffic through the
 * edge. The last line printed is one JSON object with the figures.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startSimulator } from "../sim";
import { mulberry32 } from "../sim/prng";
import { EdgeAdminClient } from "../infra/edge-contract/client";
import { killUp, traffic } from "../test/support/promotion-traffic";
import { PulumiProject } from "../test/support/pulumi-project";

const STACK = "staging";
const ANALYSIS = {
  deployTimeoutMs: 60_000,
  preSwitch: { probes: 3, intervalMs: 200, timeoutMs: 1_000, maxLatencyMs: 1_000 },
  postSwitch: { bakeMs: 2_000, intervalMs: 1_000, minSamples: 5, maxErrorRate: 0.05, maxP99LatencyMs: 1_000 },
};

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : 0;
};

async function main(): Promise<void> {
  const trials = arg("trials", 20);
  const random = mulberry32(arg("seed", 1));
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-kill-sim-"));
  const sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed" });
  const project = await PulumiProject.create({ render: { apiUrl: sim.apiUrl, apiKey: sim.apiKey } });
  const env = project.env;
  let load: ReturnType<typeof traffic> | undefined;
  // Interrupted (Ctrl-C, timeout): still remove the project copy and stop the simulator with its processes.
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      project.dispose();
      void sim.stop().finally(() => {
        fs.rmSync(stateDir, { recursive: true, force: true });
        process.exit(130);
      });
    });
  }
  try {
    await project.selectStack(STACK);
    const setVersion = (v: string) =>
      project.editConfig(STACK, (cfg) => {
        cfg.apps.api.version = v;
        cfg.apps.api.analysis = ANALYSIS;
      });
    setVersion("1.0.0");
    const first = await project.run(["up", "--yes", "--skip-preview", "--stack", STACK]);
    if (first.code !== 0) throw new Error(`initial up failed: ${first.stdout}${first.stderr}`);
    const out = await project.outputs(STACK);
    const edge = new EdgeAdminClient({ url: out.edgeUrl, token: out.edgeAdminToken, timeoutMs: 10_000 });
    const slots: Record<string, string> = { blue: out.apps.api.blue, green: out.apps.api.green };
    const liveRef = async (slot: string) => {
      const r = await fetch(`${sim.apiUrl}/services/${slots[slot]}/deploys?limit=10`, { headers: { authorization: `Bearer ${sim.apiKey}` } });
      const rows = (await r.json()) as Array<{ deploy: { status: string; image?: { ref?: string } } }>;
      return rows.map((x) => x.deploy).find((d) => d.status === "live")?.image?.ref;
    };
    load = traffic(out.edgeUrl);

    // Calibrate: one uninterrupted promotion gives the window the kill points are drawn from.
    setVersion("1.1.0");
    const c0 = Date.now();
    const cal = await project.run(["up", "--yes", "--skip-preview", "--stack", STACK]);
    const fullMs = Date.now() - c0;
    if (cal.code !== 0) throw new Error(`calibration up failed: ${cal.stdout}${cal.stderr}`);
    const promotionMs = (await project.outputs(STACK)).apps.api.lastPromotion.timings.totalMs as number;
    console.log(`calibration: an uninterrupted promotion takes ${fullMs} ms (pulumi up end to end), ${promotionMs} ms in the switch`);

    const results: Array<{
      trial: number;
      anchored: boolean;
      mode: string;
      providerStopped: boolean;
      killAtMs: number;
      activeAfterKill: string;
      verdictAfterKill: string;
      invariant: boolean;
      converged: boolean;
      convergeMs: number;
      note?: string;
    }> = [];
    for (let i = 1; i <= trials; i++) {
      const version = `2.0.${i}`;
      setVersion(version);
      // Odd trials: a kill point anywhere in the whole `up`. Even trials: anchored on the promotion's first visible
      // step (the idle slot marked pending on the edge), anywhere in the promotion's own duration after it.
      const anchored = i % 2 === 0;
      const delay = Math.floor(random() * (anchored ? promotionMs : 0.9 * fullMs));
      const child = spawn("pulumi", ["up", "--yes", "--skip-preview", "--stack", STACK, "--non-interactive"], {
        cwd: project.dir,
        env,
        detached: true,
        stdio: "ignore",
      });
      let exitedEarly = false;
      const exited = new Promise<void>((r) =>
        child.on("exit", () => {
          exitedEarly = true;
          r();
        }),
      );
      if (anchored) {
        const deadline = Date.now() + 60_000;
        while (!exitedEarly && Date.now() < deadline) {
          const ev = await edge.events().catch(() => []);
          if (ev.some((e) => e.kind === "analysis" && e.reason.includes("pending:") && e.reason.includes(`:${version};`))) break;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const timer = new Promise<"timer">((r) => setTimeout(() => r("timer"), delay));
      const first = await Promise.race([timer, exited.then(() => "exited" as const)]);
      const mode: "tree" | "cli" = i % 4 < 2 ? "cli" : "tree";
      let leftRunning: string[] = [];
      if (first === "timer") {
        leftRunning = await killUp(child.pid!, mode);
        await exited;
      }
      const killAt = delay;
      // (killUp waited 2 s: the edge has finished any switch call it had received.)
      const s = await edge.getState();
      const active = s.apps.api!.active;
      const v = s.apps.api!.slots[active].verdict;
      const invariant = v?.phase === "Successful";
      const c = Date.now();
      // A killed `up` leaves the stack locked: the operator's first step is `pulumi cancel` (it changes nothing else).
      const cancel = first === "timer" ? await project.run(["cancel", "--yes", "--stack", STACK]) : undefined;
      if (cancel && cancel.code !== 0) console.log(`pulumi cancel: ${cancel.stdout}${cancel.stderr}`.slice(0, 300));
      const conv = await project.run(["up", "--yes", "--skip-preview", "--stack", STACK]);
      const convergeMs = Date.now() - c;
      const after = await edge.getState();
      const a2 = after.apps.api!.active;
      const v2 = after.apps.api!.slots[a2].verdict;
      const ref = await liveRef(a2);
      const converged =
        conv.code === 0 && ref === `docker.io/alphaplatform/api:${version}` && v2?.phase === "Successful" && /^(post-switch|baseline):/.test(v2.reason);
      const row = {
        trial: i,
        anchored,
        mode,
        killAtMs: first === "timer" ? killAt : -1,
        // With mode "cli", the dynamic provider must have exited by itself (no promotion goes on unwatched).
        providerStopped: !leftRunning.some((c) => c.includes("dynamic-provider")),
        activeAfterKill: active,
        verdictAfterKill: `${v?.phase}: ${v?.reason.slice(0, 60)}`,
        invariant,
        converged,
        convergeMs,
        ...(converged
          ? {}
          : {
              note: `${conv.code} ${ref} ${v2?.phase} ${(conv.stdout + conv.stderr)
                .split("\n")
                .filter((l) => /error|failed/i.test(l))
                .slice(0, 3)
                .join(" | ")}`,
            }),
      };
      results.push(row);
      console.log(JSON.stringify(row));
    }
    const counts = await load.stop();
    load = undefined;
    const killed = results.filter((r) => r.killAtMs >= 0);
    console.log(
      JSON.stringify({
        trials: results.length,
        killed: killed.length,
        invariantHeld: results.filter((r) => r.invariant).length,
        providerStoppedByItself: results.filter((r) => r.mode === "cli" && r.killAtMs >= 0 && r.providerStopped).length,
        cliOnlyKills: results.filter((r) => r.mode === "cli" && r.killAtMs >= 0).length,
        converged: results.filter((r) => r.converged).length,
        fullPromotionMs: fullMs,
        promotionMs,
        convergeMsP50: pct(
          results.map((r) => r.convergeMs),
          0.5,
        ),
        convergeMsP99: pct(
          results.map((r) => r.convergeMs),
          0.99,
        ),
        traffic: counts,
      }),
    );
  } finally {
    await load?.stop();
    project.dispose();
    await sim.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
