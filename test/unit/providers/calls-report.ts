/**
 * Prints the Render API calls each provider method makes, from the client's counter, against a fresh in-process
 * simulator. Each method runs with a cold provider context (as in a new `pulumi` provider process), so guard
 * lookups are included. Run: `npx ts-node --transpile-only test/unit/providers/calls-report.ts`.
 */
import { resetProviderContext } from "../../../infra/providers/context";
import { provider as domain } from "../../../infra/providers/impl/custom-domain";
import { provider as envGroup } from "../../../infra/providers/impl/env-group";
import { provider as link } from "../../../infra/providers/impl/env-group-link";
import { provider as envVars } from "../../../infra/providers/impl/env-vars";
import { provider as keyValue } from "../../../infra/providers/impl/key-value";
import { provider as pgExport } from "../../../infra/providers/impl/postgres-export";
import { provider as postgres } from "../../../infra/providers/impl/postgres";
import { provider as secretFiles } from "../../../infra/providers/impl/secret-files";
import { provider as service } from "../../../infra/providers/impl/service";
import { requestLog } from "../../../infra/render/request-log";
import { providerSim, STAGING_OWNER } from "./sim-harness";

type P = typeof service;
const rows: string[][] = [];

async function measure(label: string, fn: () => Promise<unknown>): Promise<string> {
  resetProviderContext();
  requestLog.reset();
  await fn();
  const st = requestLog.stats();
  return `${st.calls} (${st.reads}R/${st.writes}W)`;
}

async function resource(kind: string, p: P, news: Record<string, unknown>, change: Record<string, unknown>) {
  const inputs = (await p.check!({}, news)).inputs;
  let created: { id: string; outs: any } = { id: "", outs: {} };
  const c = await measure("create", async () => {
    created = (await p.create(inputs)) as { id: string; outs: any };
  });
  const r = await measure("read", () => p.read!(created.id, created.outs));
  const changed = (await p.check!(inputs, { ...news, ...change })).inputs;
  const u = await measure("update", () => p.update!(created.id, created.outs, changed));
  const d = await measure("delete", () => p.delete!(created.id, changed));
  rows.push([kind, c, r, u, d, Object.keys(change).join(", ")]);
}

async function main() {
  const sim = await providerSim();
  try {
    const host = await service.create(
      (await service.check!({}, { name: "host", ownerId: STAGING_OWNER, type: "web_service", image: "docker.io/acme/api:1" })).inputs,
    );
    const db = await postgres.create((await postgres.check!({}, { name: "export-db", ownerId: STAGING_OWNER, plan: "basic_256mb", version: "16" })).inputs);
    const web = { name: "svc", ownerId: STAGING_OWNER, type: "web_service", image: "docker.io/acme/api:1", healthCheckPath: "/healthz" };
    await resource("Service", service, web, { plan: "standard", image: "docker.io/acme/api:2" });
    await resource("Service (scale)", service, { ...web, name: "svc2" }, { numInstances: 3 });
    await resource(
      "EnvGroup",
      envGroup,
      { name: "g", ownerId: STAGING_OWNER, envVars: { A: "1", B: "2" }, secretInputs: { envVars: true } },
      { envVars: { A: "9", B: "2" } },
    );
    const g = await envGroup.create((await envGroup.check!({}, { name: "g2", ownerId: STAGING_OWNER, secretInputs: {} })).inputs);
    await resource("EnvGroupLink", link as P, { envGroupId: g.id, serviceId: host.id }, {});
    await resource("EnvVars", envVars as P, { serviceId: host.id, values: { A: "1" }, secretInputs: { values: true } }, { values: { A: "2" } });
    await resource(
      "SecretFiles",
      secretFiles as P,
      { serviceId: host.id, files: { "a.txt": "1" }, secretInputs: { files: true } },
      { files: { "a.txt": "2" } },
    );
    await resource("CustomDomain", domain as P, { serviceId: host.id, name: "calls.alphaplatform.example" }, {});
    await resource(
      "KeyValue",
      keyValue as P,
      { name: "kv", ownerId: STAGING_OWNER, plan: "starter", maxmemoryPolicy: "allkeys_lru" },
      { maxmemoryPolicy: "noeviction" },
    );
    await resource("Postgres", postgres as P, { name: "db", ownerId: STAGING_OWNER, plan: "basic_1gb", version: "16" }, { plan: "basic_4gb" });
    // An export needs an available database: the simulator's PostgreSQL is real and takes a few seconds to start.
    for (const until = Date.now() + 120_000; ; await new Promise((r) => setTimeout(r, 250))) {
      const live = await postgres.read!(db.id, db.outs);
      if ((live.props as { status?: string }).status === "available") break;
      if (Date.now() > until) throw new Error(`database ${db.id} not available after 120 s`);
    }
    await resource("PostgresExport", pgExport as P, { postgresId: db.id, trigger: "1" }, {});
  } finally {
    await sim.done();
  }
  console.log("| resource | create | read | update | delete | update changes |\n|---|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
