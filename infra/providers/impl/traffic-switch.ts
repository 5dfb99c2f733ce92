import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { PromotionAnalysisSchema } from "../../config/schema";
import { readLive, type LiveState } from "../../promotion/live";
import { PromotionError, type PromotionRecord } from "../../promotion/record";
import { promote } from "../../promotion/run";
import type { PromotionTarget } from "../../promotion/target";
import { journalDir, writeAttempt } from "../../promotion/journal";
import { EdgeAdminClient } from "../../edge-contract/client";
import { checkWith } from "../check";
import { configureProvider, providerClient } from "../context";
import { same } from "../diff";
import { resourceFields } from "../fields";
import { watchEngine } from "../engine-watch";

const slotRef = z
  .object({
    serviceId: z.string().regex(/^srv-[a-z0-9]+$/, "serviceId must be a Render service id like srv-…"),
    url: z.string().url("url must be the slot's own http(s) URL (Render's service URL)"),
  })
  .strict();

/** Checked inputs of a TrafficSwitch ({@link trafficSwitchFields}). */
const trafficSwitchInputsSchema = z
  .object({
    /** The app's name (as the edge routes it); changing it replaces the switch. */
    app: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, "app must be the app's name in stack config"),
    image: z.string().min(1, "image is the image repository, e.g. docker.io/org/api"),
    version: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/, "version must be an image tag such as 1.4.2"),
    healthCheckPath: z.string().regex(/^\//, "healthCheckPath must start with '/'"),
    slots: z.object({ blue: slotRef, green: slotRef }).strict(),
    edgeUrl: z.string().url("edgeUrl must be the edge's http(s) base URL"),
    adminToken: z.string().min(16, "adminToken must be the edge admin token (at least 16 characters)"),
    analysis: PromotionAnalysisSchema,
    /** Services the promotion must not harm (AlphaStack's engine): watched before the switch and during the bake. */
    guards: z
      .array(
        z
          .object({
            name: z.string().min(1).max(80),
            url: z
              .string()
              .url("guards[].url must be the protected service's http(s) health URL")
              .refine((u) => /^https?:/.test(u), "guards[].url must be http(s)"),
          })
          .strict(),
      )
      .max(5)
      .default([]),
  })
  .strict();

/** Checked inputs. */
export type TrafficSwitchInputs = z.infer<typeof trafficSwitchInputsSchema>;

/** What a promotion records besides the inputs. */
const trafficSwitchComputedSchema = z.object({
  /** The slot the edge sends the app's traffic to. */
  activeSlot: z.custom<LiveState["activeSlot"]>(),
  /** The version live on each slot. */
  versions: z.custom<LiveState["versions"]>(),
  /** What the last promotion did, with per-step timings (no secrets). */
  lastPromotion: z.custom<PromotionRecord>(),
});

/**
 * Fields whose change is a promotion (or a re-targeting of one): the update is the promotion. The token is compared
 * too: a rotation updates it. A new app is a new switch. `guards` are read by every promotion, but a change of them
 * alone is not one (never compared).
 */
export const trafficSwitchFields = resourceFields(
  trafficSwitchInputsSchema,
  {
    app: "replace",
    image: "update",
    version: "update",
    healthCheckPath: "update",
    slots: "update",
    edgeUrl: "update",
    adminToken: "update",
    analysis: "update",
    guards: "local",
  },
  trafficSwitchComputedSchema,
);

/** Outputs: the inputs, where traffic is, what each slot runs, and the last promotion. */
export type TrafficSwitchOutputs = TrafficSwitchInputs & z.output<typeof trafficSwitchComputedSchema>;

const COMPARED = [...trafficSwitchFields.replace, ...trafficSwitchFields.inPlace];

/**
 * A promotion nobody watches must not go on. Pulumi starts providers in their own process group, so when the CLI is
 * killed (SIGKILL, a crashed runner) this process is orphaned and would finish the promotion alone — racing the next
 * `up`. Every step is safe to stop anywhere (see infra/promotion/README.md), so the provider process exits as soon
 * as the engine that started it is gone — detected through the engine's gRPC address (../engine-watch.ts), which
 * works whether node runs exec'd (our shim) or as the child of the official `/bin/sh` script.
 */
if (process.argv[1]?.includes("dynamic-provider")) {
  watchEngine({ intervalMs: 500, onGone: () => process.exit(70) });
}

/** Poll faster under the embedded Render, whose deploys take milliseconds. */
function pollMs(): number {
  return process.env.STACKGUARD_EMBEDDED === "1" ? 100 : 1_000;
}

async function converge(i: TrafficSwitchInputs): Promise<TrafficSwitchOutputs> {
  const target: PromotionTarget = i;
  try {
    const { live, record } = await promote(target, { render: providerClient(), pollMs: pollMs() });
    return { ...i, ...live, lastPromotion: record };
  } catch (e) {
    // The outputs keep the last promotion that succeeded; the journal keeps this one for the deploy report.
    if (e instanceof PromotionError && e.attempt) writeAttempt(journalDir(), { edgeUrl: i.edgeUrl, app: i.app, message: e.message, attempt: e.attempt });
    throw e;
  }
}

/**
 * What differs between the recorded switch and the declaration: the declared fields (never `__provider`), plus one
 * live fact, `activeSlot`, when traffic is not on the slot that runs the declared version. After a refresh
 * `activeSlot` is the edge's; without one, the edge is asked (one short attempt; unreachable → the record decides).
 */
export async function changedSwitchFields(olds: TrafficSwitchOutputs, news: TrafficSwitchInputs): Promise<string[]> {
  const changed: string[] = COMPARED.filter((f) => !same(olds[f], news[f]));
  let active = olds.activeSlot;
  if (olds.edgeUrl && olds.adminToken) {
    try {
      // One short attempt: a preview must not hang on an edge it cannot reach.
      const s = await new EdgeAdminClient({ url: olds.edgeUrl, token: olds.adminToken, timeoutMs: 5_000, retries: 0 }).getState();
      active = s.apps?.[olds.app]?.active ?? active;
    } catch {
      /* edge unreachable: the recorded state decides */
    }
  }
  if (active && olds.versions?.[active] !== news.version) changed.push("activeSlot");
  return changed;
}

/**
 * The dynamic provider for `stackguard:TrafficSwitch`: a promotion on create and update (see
 * infra/promotion/run.ts), the edge's active slot read back on refresh, and drift when traffic is not on the
 * slot running the declared version (e.g. after the edge rolled back by itself).
 */
const trafficSwitchProvider = {
  configure: configureProvider,

  async check(_olds: unknown, news: Record<string, unknown>) {
    return checkWith("TrafficSwitch", trafficSwitchInputsSchema, news);
  },

  async diff(_id: string, olds: TrafficSwitchOutputs, news: TrafficSwitchInputs) {
    const changed = await changedSwitchFields(olds, news);
    // The engine derives the displayed property diff itself (the Node dynamic provider passes no detailed diff).
    const replaces = changed.filter((f) => (trafficSwitchFields.replace as readonly string[]).includes(f));
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
  },

  async create(inputs: TrafficSwitchInputs) {
    return { id: `${inputs.app}-switch`, outs: await converge(inputs) };
  },

  async read(id: string, props?: TrafficSwitchOutputs) {
    if (!props) return { id }; // nothing recorded to read back with (its edge, app and slots)
    try {
      const live = await readLive(props, { render: providerClient(), edgeReadyTimeoutMs: 10_000 });
      return { id, props: { ...props, activeSlot: live.activeSlot, versions: live.versions } };
    } catch {
      // Edge or Render unreachable: keep what was recorded rather than guess (refresh must not invent drift).
      return { id, props };
    }
  },

  async update(_id: string, _olds: TrafficSwitchOutputs, news: TrafficSwitchInputs) {
    return { outs: await converge(news) };
  },

  async delete() {
    // Traffic stays where it is: removing the switch from the program must not move or drop requests.
  },
} satisfies pulumi.dynamic.ResourceProvider<TrafficSwitchInputs, TrafficSwitchOutputs>;

/** The same provider as the loader (`lazyProvider`) and the engine see it: property bags. */
export const provider: pulumi.dynamic.ResourceProvider = trafficSwitchProvider;
