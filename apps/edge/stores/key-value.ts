import Redis from "ioredis";
import type { CasStore } from "./types";

/**
 * The keys and channels of the edge's state in its Key Value instance (one instance per environment, so the names
 * need no environment part). Everything lives under one prefix so an operator can see it with `SCAN 0 MATCH
 * stackguard:edge:*`.
 */
export const KV_NAMES = {
  /** Hash `{id, doc}`: the state document and its id (compared by the compare-and-set). */
  state: "stackguard:edge:state",
  /** Pub/sub channel: a notice per write (`ChangeNotice`, no state in it). */
  changes: "stackguard:edge:changes",
  /** Set of the instance ids that have registered (live ones also hold their `instance` key). */
  instances: "stackguard:edge:instances",
  /** Key with a short expiry, refreshed by each live instance. */
  instance: (id: string) => `stackguard:edge:instance:${id}`,
  /** Pub/sub channel on which a writer hears the other instances confirm its write. */
  acks: (id: string) => `stackguard:edge:acks:${id}`,
} as const;

/** What is announced on {@link KV_NAMES.changes} after each write: who wrote which document, and where to confirm. */
export interface ChangeNotice {
  id: string;
  version: number;
  from: string;
  replyTo: string;
}

/**
 * Compare-and-set, write and announce in one step (a Lua script runs atomically in Redis/Valkey): a notice is
 * published exactly when a document is written, so no instance can miss a write it was subscribed for.
 */
const CAS_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], 'id')
if cur == false then cur = '' end
if cur ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[2], 'doc', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`;

/** Per-command timeout: a switch waits on this write, so it fails fast (503, nothing changed) when Key Value is away. */
const KV_COMMAND_TIMEOUT_MS = 2_000;

/**
 * A connection to the edge's Key Value instance with the edge's failure policy: commands fail at once while
 * disconnected (no offline queue: a switch must not wait for a reconnect it cannot see), each command has a timeout,
 * and the client reconnects by itself with a capped backoff. The URL (which may hold a password) is never logged:
 * ioredis's own errors name host and port only.
 */
export function connectKeyValue(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: KV_COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1_000),
  });
}

/**
 * Keeps the state document in Render Key Value (`EDGE_KEY_VALUE_URL`), with compare-and-set and a change notice
 * per write (see `key-value-bus.ts` for who listens). Unlike the Render env-var store, the edge needs no Render API
 * key for it: only this instance's connection string.
 */
export class KeyValueStore implements CasStore {
  readonly kind = "key-value";

  constructor(
    private readonly redis: Redis,
    private readonly instanceId: string,
  ) {}

  async load(): Promise<unknown | undefined> {
    const text = await this.redis.hget(KV_NAMES.state, "doc");
    if (text === null) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`Key Value ${KV_NAMES.state} holds a document that is not JSON; delete the key (the edges write their current state back) or fix it`);
    }
  }

  async compareAndSet(doc: unknown, id: string, expected: string | undefined): Promise<boolean> {
    const notice: ChangeNotice = { id, version: (doc as { version?: number }).version ?? 0, from: this.instanceId, replyTo: KV_NAMES.acks(this.instanceId) };
    const r = await this.redis.eval(CAS_SCRIPT, 1, KV_NAMES.state, expected ?? "", id, JSON.stringify(doc), KV_NAMES.changes, JSON.stringify(notice));
    return r === 1;
  }

  /** An unconditional write (the replicator only uses {@link compareAndSet}; kept for the `StateStore` contract). */
  async save(doc: unknown): Promise<void> {
    const stored = await this.redis.hget(KV_NAMES.state, "id");
    const id = (doc as { id?: string }).id ?? `unconditional-${Date.now()}`;
    if (!(await this.compareAndSet(doc, id, stored ?? undefined))) throw new Error("Key Value: a concurrent write won; retry");
  }
}
