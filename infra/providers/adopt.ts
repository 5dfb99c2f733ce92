import { backoffDelayMs } from "../render/backoff";
import { isRenderApiError } from "../render/errors";

/**
 * Creates a resource so that a retry never makes a twin.
 *
 * Render has no idempotency keys, and a create whose response was lost (timeout, 5xx after commit, a provider
 * process killed mid-`up`) may or may not have happened. So: look for the resource first (by name and owner, and the
 * fields that identify it), adopt it if it is there, otherwise create it; when the create's outcome is unknown (no
 * response, 5xx, or 409 conflict), look again before trying once more.
 */
export interface CreateOrAdoptOptions<T> {
  /** Finds an existing resource matching the desired identity, or undefined. */
  find: () => Promise<T | undefined>;
  /** Sends the create. */
  create: () => Promise<T>;
  /** Total create attempts (default 4). */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Result of {@link createOrAdopt}. */
export interface Adopted<T> {
  resource: T;
  /** True when an existing resource was taken over instead of created. */
  adopted: boolean;
}

export async function createOrAdopt<T>(opts: CreateOrAdoptOptions<T>): Promise<Adopted<T>> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const attempts = opts.attempts ?? 4;
  const before = await opts.find();
  if (before) return { resource: before, adopted: true };
  for (let i = 0; ; i++) {
    try {
      return { resource: await opts.create(), adopted: false };
    } catch (e) {
      const ambiguous = isRenderApiError(e) && (e.outcomeUnknown || e.status === 409);
      if (!ambiguous) throw e;
      await sleep(backoffDelayMs(i));
      const found = await opts.find();
      if (found) return { resource: found, adopted: true };
      if (i + 1 >= attempts) throw e;
    }
  }
}
