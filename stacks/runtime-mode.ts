/**
 * What the program reads of its process environment, read once at start: everything else comes from stack config.
 * Set by the setup (tools/scripts/lib/pulumi-env.js) on the embedded Render, by the workflows against real Render.
 */
export interface RuntimeMode {
  /** On the embedded Render (`STACKGUARD_EMBEDDED=1`): each service answers on its own loopback URL. */
  embedded: boolean;
  /** Render's API, as the guardian in AlphaStack's workspace is given it. */
  renderApiUrl: string;
  /** On the embedded Render, the guardian's own seeded Viewer key (never the operator's the program runs with). */
  embeddedGuardianKey?: string;
}

/** Reads {@link RuntimeMode} from `env` (the process environment by default). */
export function readRuntimeMode(env: NodeJS.ProcessEnv = process.env): RuntimeMode {
  const embedded = env.STACKGUARD_EMBEDDED === "1";
  return {
    embedded,
    renderApiUrl: env.RENDER_API_URL ?? "https://api.render.com/v1",
    ...(embedded && env.STACKGUARD_EMBEDDED_GUARDIAN_API_KEY ? { embeddedGuardianKey: env.STACKGUARD_EMBEDDED_GUARDIAN_API_KEY } : {}),
  };
}
