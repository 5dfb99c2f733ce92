/**
 * `npm run bench:switch`: load through the edge while it switches between two slots, side by side with the same
 * load sent straight to a slot, through nginx (the reference bare proxy) and through HAProxy (the native data plane
 * the edge could drive instead; both optional, skipped when not installed), in one run.
 *
 * Two phases, each run for the three targets back to back:
 *  - at a fixed offered rate (`BENCH_RATE`, default 2,000 rps): latency compared at equal load, with `BENCH_SWITCHES`
 *    switches during the edge's run: these are the headline figures (`p50Ms`, `p99Ms`, `direct*`, `nginx*`);
 *  - as fast as possible for `BENCH_MAX_S` seconds, no switches: throughput of each (`*MaxRps`).
 * Upstreams: plain Node http slot servers in a child process (test/support/slot-server.ts), because the simulator's
 * data plane (`sim/dataplane`) has no runtime yet, only its contract. The edge runs as a real process, as the
 * simulator runs it. The last line printed is one JSON object.
 *
 * `BENCH_EDGE_DATA_PLANE=haproxy` runs the edge with the HAProxy data plane (EDGE_DATA_PLANE=haproxy: HAProxy in
 * front, driven over its runtime API by the edge's Node process); `node` (default) with the Node proxy. The edge's
 * CPU is always the edge process plus its children, i.e. with HAProxy both the control plane and HAProxy
 * (`edgeControlPlaneCpuUsPerReq` + `edgeHaproxyCpuUsPerReq`): the edge's cost is the sum.
 */
import * as os from "node:os";
import { EdgeAdminClient } from "../infra/edge-contract/client";
import { spawnEdge } from "../test/support/edge-process";
import { runLoad } from "./lib/load";
import { startHaproxy } from "./lib/haproxy";
import { startNginx } from "./lib/nginx";
import { startRemoteSlots } from "./lib/slots-process";
import { cpuMs } from "./lib/cpu";
import { r1, r2 } from "./lib/stats";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 12);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const MAX_S = Number(process.env.BENCH_MAX_S ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SWITCHES = Number(process.env.BENCH_SWITCHES ?? 12);
const DATA_PLANE = process.env.BENCH_EDGE_DATA_PLANE ?? "node";
const TOKEN = `bench-${Math.random().toString(36).slice(2)}-token-xxxxxxxx`;

/** The edge's own CPU (ms) and that of its children (HAProxy, with the HAProxy data plane). */
function edgeCpuSplit(pid: number): { own: number; children: number } {
  const all = cpuMs(pid);
  const own = cpuMs(pid, { children: false });
  return { own, children: all - own };
}

async function main() {
  if (DATA_PLANE !== "node" && DATA_PLANE !== "haproxy") throw new Error(`BENCH_EDGE_DATA_PLANE must be 'node' or 'haproxy', got '${DATA_PLANE}'`);
  // The reference proxies are installed like the project's other real parts (tools/scripts/lib/setup.js).
  require("../tools/scripts/lib/setup").ensureReferenceProxies();
  const slots = await startRemoteSlots(["blue", "green"]);
  const edge = await spawnEdge({
    EDGE_APPS: JSON.stringify({ api: { blue: slots.urls.blue, green: slots.urls.green, healthPath: "/healthz" } }),
    EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
    EDGE_ACTIVE: JSON.stringify({ api: "blue" }),
    EDGE_ADMIN_TOKEN: TOKEN,
    EDGE_DATA_PLANE: DATA_PLANE,
  });
  const nginx = await startNginx(slots.urls.blue).catch((e) => {
    console.error(`nginx reference skipped: ${(e as Error).message}`);
    return undefined;
  });
  if (!nginx) console.error("nginx is not installed: reference skipped");
  // HAProxy: the native data plane the edge could drive instead of proxying in Node (issue 16's decision).
  const haproxy = await startHaproxy(slots.urls.blue).catch((e) => {
    console.error(`haproxy reference skipped: ${(e as Error).message}`);
    return undefined;
  });
  if (!haproxy) console.error("haproxy is not installed: reference skipped");
  const client = new EdgeAdminClient({ url: edge.url, token: TOKEN, timeoutMs: 10_000 });
  const at = { durationS: DURATION_S, connections: CONNECTIONS, rate: RATE };
  try {
    // Warm every path (JIT, keep-alive pools) so the measured runs compare steady states.
    for (const u of [slots.urls.blue, edge.url, nginx?.url, haproxy?.url]) if (u) await runLoad(`${u}/warm`, { durationS: 2, connections: CONNECTIONS });

    console.error(`fixed rate ${RATE} rps, ${DURATION_S}s, ${CONNECTIONS} connections: direct…`);
    const direct = await runLoad(`${slots.urls.blue}/orders`, at);
    let nginxCpu = NaN;
    let viaNginx: Awaited<ReturnType<typeof runLoad>> | undefined;
    if (nginx) {
      console.error(`${nginx.version}…`);
      const c0 = cpuMs(nginx.pid);
      viaNginx = await runLoad(`${nginx.url}/orders`, at);
      nginxCpu = cpuMs(nginx.pid) - c0;
    }
    let haproxyCpu = NaN;
    let viaHaproxy: Awaited<ReturnType<typeof runLoad>> | undefined;
    if (haproxy) {
      console.error(`${haproxy.version}…`);
      const c0 = cpuMs(haproxy.pid);
      viaHaproxy = await runLoad(`${haproxy.url}/orders`, at);
      haproxyCpu = cpuMs(haproxy.pid) - c0;
    }

    console.error(`edge with ${SWITCHES} switches…`);
    let switches = 0;
    const switchMs: number[] = [];
    const switchErrors: string[] = [];
    const edgeCpu0 = edgeCpuSplit(edge.proc.pid!);
    const run = runLoad(`${edge.url}/orders`, at);
    const gap = (DURATION_S * 1000 * 0.9) / (SWITCHES + 1);
    const switcher = (async () => {
      for (let i = 0; i < SWITCHES; i++) {
        await new Promise((r) => setTimeout(r, gap));
        const t0 = performance.now();
        try {
          const r = await client.switch({ app: "api", slot: i % 2 === 0 ? "green" : "blue", reason: "bench:switch" });
          if (r.changed) switches++;
          switchMs.push(performance.now() - t0);
        } catch (e) {
          switchErrors.push((e as Error).message);
        }
      }
    })();
    const [viaEdge] = await Promise.all([run, switcher]);
    const edgeCpu1 = edgeCpuSplit(edge.proc.pid!);
    const edgeOwnCpu = edgeCpu1.own - edgeCpu0.own;
    const edgeChildCpu = edgeCpu1.children - edgeCpu0.children;
    const edgeCpu = edgeOwnCpu + edgeChildCpu;
    if (switchErrors.length) console.error(`switch errors: ${switchErrors.join("; ")}`);
    const [b, g] = [await slots.stats("blue"), await slots.stats("green")];

    console.error(`max throughput, ${MAX_S}s each…`);
    const max = { connections: CONNECTIONS, durationS: MAX_S };
    const directMax = await runLoad(`${slots.urls.blue}/orders`, max);
    const nginxMax = nginx ? await runLoad(`${nginx.url}/orders`, max) : undefined;
    const edgeMax = await runLoad(`${edge.url}/orders`, max);

    const result = {
      dataPlane: DATA_PLANE,
      requests: viaEdge.requests,
      non2xx: viaEdge.non2xx,
      errors: viaEdge.errors,
      switches,
      rps: viaEdge.rps,
      p50Ms: viaEdge.p50Ms,
      p99Ms: viaEdge.p99Ms,
      directP50Ms: direct.p50Ms,
      directP99Ms: direct.p99Ms,
      ...(viaNginx ? { nginxP50Ms: viaNginx.p50Ms, nginxP99Ms: viaNginx.p99Ms, nginxNon2xx: viaNginx.non2xx, nginxErrors: viaNginx.errors } : {}),
      offeredRps: RATE,
      // CPU per proxied request (µs): the proxy's own cost, insensitive to waiting for a core on a busy machine.
      edgeCpuUsPerReq: r1((edgeCpu * 1000) / viaEdge.requests),
      ...(DATA_PLANE === "haproxy"
        ? { edgeControlPlaneCpuUsPerReq: r1((edgeOwnCpu * 1000) / viaEdge.requests), edgeHaproxyCpuUsPerReq: r1((edgeChildCpu * 1000) / viaEdge.requests) }
        : {}),
      ...(viaNginx
        ? { nginxCpuUsPerReq: r1((nginxCpu * 1000) / viaNginx.requests), edgeVsNginxCpu: r2(edgeCpu / viaEdge.requests / (nginxCpu / viaNginx.requests)) }
        : {}),
      ...(viaHaproxy
        ? {
            haproxyP50Ms: viaHaproxy.p50Ms,
            haproxyP99Ms: viaHaproxy.p99Ms,
            haproxyNon2xx: viaHaproxy.non2xx,
            haproxyErrors: viaHaproxy.errors,
            haproxyCpuUsPerReq: r1((haproxyCpu * 1000) / viaHaproxy.requests),
          }
        : {}),
      ...(viaNginx ? { edgeP99MinusNginxMs: r2(viaEdge.p99Ms - viaNginx.p99Ms) } : {}),
      switchCallMsMax: r1(Math.max(...switchMs)),
      switchErrors: switchErrors.length,
      servedBySlot: { blue: b.served, green: g.served },
      edgeMaxRps: edgeMax.rps,
      directMaxRps: directMax.rps,
      ...(nginxMax ? { nginxMaxRps: nginxMax.rps, edgeVsNginxMaxRps: r2(edgeMax.rps / nginxMax.rps) } : {}),
      edgeMaxNon2xx: edgeMax.non2xx,
      edgeMaxErrors: edgeMax.errors,
      upstream: "node-http-slot-servers",
      connections: CONNECTIONS,
      durationS: DURATION_S,
      cpus: os.cpus().length,
      loadavg1: r1(os.loadavg()[0]),
    };
    console.log(JSON.stringify(result));
  } finally {
    await nginx?.stop();
    await haproxy?.stop();
    await edge.stop();
    await slots.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
