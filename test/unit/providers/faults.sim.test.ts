import { provider as domain } from "../../../infra/providers/impl/custom-domain";
import { provider as envGroup } from "../../../infra/providers/impl/env-group";
import { provider as link } from "../../../infra/providers/impl/env-group-link";
import { provider as envVars } from "../../../infra/providers/impl/env-vars";
import { provider as postgres } from "../../../infra/providers/impl/postgres";
import { provider as service } from "../../../infra/providers/impl/service";
import { eventually } from "../sim/helpers";
import { providerSim, STAGING_OWNER } from "./sim-harness";

type P = typeof service;

/**
 * What `pulumi up` does for a create that fails: the resource is not recorded, so the next `up` calls create again.
 * Each step is retried like that (up to 5 runs), which is exactly the situation adoption must make safe.
 */
async function upLike<T>(fn: () => Promise<T>): Promise<T> {
  for (let run = 1; ; run++) {
    try {
      return await fn();
    } catch (e) {
      if (run >= 5) throw e;
    }
  }
}

async function checked(p: P, news: Record<string, unknown>) {
  const r = await p.check!({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs;
}

describe("with 20% of API requests answered 5xx or 429, a stack converges with no twin and no orphan", () => {
  let sim: Awaited<ReturnType<typeof providerSim>>;
  beforeAll(async () => {
    sim = await providerSim();
  });
  afterAll(async () => {
    await sim.done();
  });

  const seeds = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
  it.each(seeds)("seed %i", async (seed) => {
    const tag = `f${seed}`;
    await sim.faults({ rate: 0.2, seed, statuses: [500, 502, 503, 429], afterShare: 0.5 });
    const api = await upLike(async () =>
      service.create(
        await checked(service, {
          name: `${tag}-api`,
          ownerId: STAGING_OWNER,
          type: "web_service",
          image: "docker.io/acme/api:1",
          healthCheckPath: "/healthz",
          numInstances: 2,
        }),
      ),
    );
    const worker = await upLike(async () =>
      service.create(await checked(service, { name: `${tag}-worker`, ownerId: STAGING_OWNER, type: "background_worker", image: "docker.io/acme/worker:1" })),
    );
    const vars = await upLike(async () =>
      envVars.create(await checked(envVars, { serviceId: api.id, values: { A: "1", B: "2" }, secretInputs: { values: true } })),
    );
    const group = await upLike(async () =>
      envGroup.create(await checked(envGroup, { name: `${tag}-env`, ownerId: STAGING_OWNER, envVars: { SHARED: "x" }, secretInputs: { envVars: true } })),
    );
    const l = await upLike(async () => link.create(await checked(link, { envGroupId: group.id, serviceId: worker.id })));
    const d = await upLike(async () => domain.create(await checked(domain, { serviceId: api.id, name: `${tag}.alphaplatform.example` })));
    const db = await upLike(async () =>
      postgres.create(await checked(postgres, { name: `${tag}-db`, ownerId: STAGING_OWNER, plan: "basic_256mb", version: "16" })),
    );
    // an update under faults too (after the create's deploy settled: the simulator's goLive writes the deploy's image
    // back onto the service, which would undo an image PATCH made while that first deploy is still rolling out)
    const injectedBefore = (await sim.faultStats()).injected;
    await sim.faults({});
    await eventually(async () => ((await sim.api.get(`/services/${api.id}/deploys`)).body as any[]).some((d) => d.deploy.status === "live"), 30_000, 50);
    await sim.faults({ rate: 0.2, seed: seed + 500, statuses: [500, 502, 503, 429], afterShare: 0.5 });
    const scaled = await checked(service, {
      name: `${tag}-api`,
      ownerId: STAGING_OWNER,
      type: "web_service",
      image: "docker.io/acme/api:2",
      healthCheckPath: "/healthz",
      numInstances: 3,
    });
    await upLike(() => service.update!(api.id, api.outs, scaled));
    const stats = { injected: injectedBefore + (await sim.faultStats()).injected };
    await sim.faults({});

    // Same final state as without faults: one of each, with the desired settings.
    const byName = async (name: string) =>
      (await sim.api.get(`/services?name=${name}&ownerId=${STAGING_OWNER}`)).body as Array<{ service: Record<string, any> }>;
    const apis = await byName(`${tag}-api`);
    expect(apis).toHaveLength(1);
    expect(apis[0].service).toMatchObject({ id: api.id, imagePath: "docker.io/acme/api:2", serviceDetails: { numInstances: 3 } });
    expect(await byName(`${tag}-worker`)).toHaveLength(1);
    expect((await sim.api.get(`/env-groups?name=${tag}-env&ownerId=${STAGING_OWNER}`)).body).toHaveLength(1);
    expect((await sim.api.get(`/postgres?name=${tag}-db&ownerId=${STAGING_OWNER}`)).body).toHaveLength(1);
    expect((await sim.api.get(`/services/${api.id}/custom-domains`)).body).toHaveLength(1);
    expect((await sim.api.get(`/services/${api.id}/env-vars`)).body.map((x: any) => x.envVar.key).sort()).toEqual(["A", "B"]);
    expect((await sim.api.get(`/env-groups/${group.id}`)).body.serviceLinks.map((x: any) => x.id)).toEqual([worker.id]);

    // Destroy under faults leaves nothing behind.
    await sim.faults({ rate: 0.2, seed: seed + 1000 });
    for (const [p, id, outs] of [
      [domain, d.id, d.outs],
      [link, l.id, l.outs],
      [envVars, vars.id, vars.outs],
      [envGroup, group.id, group.outs],
      [service, worker.id, worker.outs],
      [service, api.id, api.outs],
      [postgres, db.id, db.outs],
    ] as Array<[P, string, any]>) {
      await upLike(() => p.delete!(id, outs));
    }
    await sim.faults({});
    expect(await byName(`${tag}-api`)).toHaveLength(0);
    expect(await byName(`${tag}-worker`)).toHaveLength(0);
    expect((await sim.api.get(`/env-groups?name=${tag}-env&ownerId=${STAGING_OWNER}`)).body).toHaveLength(0);
    expect((await sim.api.get(`/postgres?name=${tag}-db&ownerId=${STAGING_OWNER}`)).body).toHaveLength(0);
    // faults were really injected
    expect(stats.injected).toBeGreaterThan(0);
  });
});
