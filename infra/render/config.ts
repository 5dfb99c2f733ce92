import { z } from "zod";

/** Where the client sends requests and with which key. Read from the environment at call time, never captured. */
export interface RenderConfig {
  /** Base URL including `/v1`, without a trailing slash. */
  apiUrl: string;
  /** Bearer token. Only ever placed in the Authorization header; never logged or put in an error. */
  apiKey: string;
}

/** The default base URL of Render's public API. */
export const DEFAULT_RENDER_API_URL = "https://api.render.com/v1";

const envSchema = z.object({
  RENDER_API_URL: z.string().trim().url({ message: "RENDER_API_URL must be an absolute http(s) URL such as https://api.render.com/v1" }).optional(),
  RENDER_API_KEY: z
    .string({ message: "RENDER_API_KEY is required: set it to a Render API key (or the simulator's key)" })
    .trim()
    .min(1, { message: "RENDER_API_KEY is empty: set it to a Render API key (or the simulator's key)" }),
});

/**
 * Reads `RENDER_API_URL` (default {@link DEFAULT_RENDER_API_URL}) and `RENDER_API_KEY` (required).
 * @throws Error naming the missing or malformed variable and how to fix it (never echoing the key).
 */
export function renderConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RenderConfig {
  const parsed = envSchema.safeParse({ RENDER_API_URL: env.RENDER_API_URL || undefined, RENDER_API_KEY: env.RENDER_API_KEY });
  if (!parsed.success) {
    const msgs = parsed.error.issues.map((i) => i.message);
    throw new Error(`stackguard: Render API configuration invalid: ${msgs.join("; ")}`);
  }
  return {
    apiUrl: (parsed.data.RENDER_API_URL ?? DEFAULT_RENDER_API_URL).replace(/\/+$/, ""),
    apiKey: parsed.data.RENDER_API_KEY,
  };
}
