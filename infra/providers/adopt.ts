import { AsyncLocalStorage } from "node:async_hooks";
import type * as pulumi from "@pulumi/pulumi";
import { backoffDelayMs } from "../render/backoff";
import { isRenderApiError } from "../render/errors";

/**
 * The input that asks for an explicit adoption: `adopt: true` on a Service, EnvGroup, Postgres, KeyValue or CustomDomain takes
 * over the resource Render already has with this identity (name and owner, and the fields that identify it) instead
 * of creating one, and fails when there is none. This is how existing Render resources come under this program:
 * Pulumi's `import` option does not work with dynamic providers (pulumi/pulumi#16175), and is refused at once.
 */
export interface AdoptArgs {
  /** Take over the existing Render resource with this identity (fails when there is none); shown in the preview. */
  adopt?: pulumi.Input<boolean>;
}

/** One create asked to adopt (set by `lazyProvider` around the implementation's create). */
interface AdoptionScope {
  kind: string;
  adopted: boolean;
}

// On globalThis: the loader (dynamic.ts) and the implementations must share it even if loaded twice.
const g = globalThis as unknown as { __stackguardAdoption?: AsyncLocalStorage<AdoptionScope> };
const adoption: AsyncLocalStorage<AdoptionScope> = (g.__stackguardAdoption ??= new AsyncLocalStorage<AdoptionScope>());

/** Thrown when `adopt: true` finds nothing to adopt. */
export class NothingToAdoptError extends Error {
  constructor(kind: string) {
    super(
      `adopt: true, but Render has no ${kind} matching this resource's identity (its name and owner, and the fields ` +
        "that identify it): correct them to the existing resource's, or remove adopt to create a new one",
    );
    this.name = "NothingToAdoptError";
  }
}

/**
 * Runs an implementation's create as an explicit adoption: {@link createOrAdopt} then adopts or fails, never creates.
 * A create that never looked for an existing resource (a kind that cannot be adopted) fails too.
 */
export async function runAdopting<T>(kind: string, create: () => Promise<T>): Promise<T> {
  const scope: AdoptionScope = { kind, adopted: false };
  const result = await adoption.run(scope, create);
  if (!scope.adopted) throw new Error(`adopt is not supported by ${kind} (only Service, EnvGroup, Postgres, KeyValue and CustomDomain): remove it`);
  return result;
}

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
  const explicit = adoption.getStore();
  const before = await opts.find();
  if (explicit) {
    if (!before) throw new NothingToAdoptError(explicit.kind);
    explicit.adopted = true;
  }
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
