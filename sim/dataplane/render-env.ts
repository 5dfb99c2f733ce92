import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ServiceRuntimeSpec, ServiceType } from "./types";

/** Render's short service type in `RENDER_SERVICE_TYPE`. */
const TYPE_SHORT: Record<ServiceType, string> = {
  web_service: "web",
  private_service: "pserv",
  background_worker: "worker",
  static_site: "static",
  cron_job: "cron",
};

/**
 * Variables of the simulator's own environment a child may see: enough to run `node`, nothing else. The
 * simulator's environment can hold API keys; an app on Render never sees its platform's secrets either.
 */
const INHERITED = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT"];

/** A Render-like instance id: `<serviceId>-<deploy hash>-<5 chars>`. */
export function instanceId(serviceId: string, deployId: string): string {
  const hash = Buffer.from(deployId).toString("hex").slice(-9);
  return `${serviceId}-${hash}-${randomBytes(4).toString("hex").slice(0, 5)}`;
}

export interface InstanceEnvInput {
  spec: ServiceRuntimeSpec;
  port: number;
  instanceId: string;
  /** The front's URL (web services): what `RENDER_EXTERNAL_URL` points at under the simulator. */
  externalUrl?: string;
  secretsDir: string;
}

/**
 * The environment of one instance, as Render builds it (https://render.com/docs/environment-variables): the
 * service's effective env, then Render's defaults. `PORT` is always the simulator's internal port, since the front
 * proxies to it.
 */
export function instanceEnv(i: InstanceEnvInput): NodeJS.ProcessEnv {
  const { spec } = i;
  const env = commandEnv(spec, i.secretsDir);
  const external = spec.type === "web_service" || spec.type === "static_site" ? i.externalUrl : undefined;
  Object.assign(env, {
    PORT: String(i.port),
    RENDER_INSTANCE_ID: i.instanceId,
    RENDER_EXTERNAL_URL: external ?? "",
    RENDER_EXTERNAL_HOSTNAME: external ? new URL(external).host : "",
  });
  return env;
}

/**
 * The environment of a one-off command Render runs for a deploy (the pre-deploy command): the service's effective
 * env and Render's defaults, without the per-instance variables (`PORT`, `RENDER_INSTANCE_ID`), since no instance
 * serves it. Of the simulator's own environment only {@link INHERITED} passes.
 */
export function commandEnv(spec: ServiceRuntimeSpec, secretsDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of INHERITED) if (process.env[k] !== undefined) env[k] = process.env[k];
  Object.assign(env, spec.env, {
    RENDER: "true",
    IS_PULL_REQUEST: "false",
    RENDER_SERVICE_ID: spec.id,
    RENDER_SERVICE_NAME: spec.name,
    RENDER_SERVICE_TYPE: TYPE_SHORT[spec.type],
    RENDER_DISCOVERY_SERVICE: `${spec.name}-discovery`,
    RENDER_SECRETS_DIR: secretsDir,
  });
  if (spec.commit) env.RENDER_GIT_COMMIT = spec.commit;
  // Render sets no variable for an image-backed deploy; the simulator's own names are prefixed SIM_.
  if (spec.image) env.SIM_IMAGE = spec.image;
  env.SIM_DEPLOY_ID = spec.deployId;
  return env;
}

/**
 * Writes a deploy's secret files (Render mounts them at `/etc/secrets/<name>`) into a private directory: 0700, files
 * 0600, replaced whole on each deploy.
 */
export function writeSecretFiles(dir: string, files: Record<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content, { mode: 0o600 });
}
