import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  StandardResolutionReasons,
  type EvaluationContext,
  type FlagMetadata,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from "@openfeature/server-sdk";
import { FlagClient, type FlagClientOptions, type FlagClientStatus } from "./client";

/** Options of {@link EdgeFlagProvider}: the {@link FlagClient}'s, without per-key defaults (the call site's default is the code default). */
export type EdgeFlagProviderOptions = Omit<FlagClientOptions, "defaults" | "onChange" | "onHealth">;

const OFREP_ERROR_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * An OpenFeature provider for `@openfeature/server-sdk`, fed by the edge: the edge pushes each flag change over its
 * OFREP event stream and the provider re-fetches its bulk evaluation at once (polling only while the stream is down).
 * Application code evaluates flags the standard way:
 *
 * ```ts
 * await OpenFeature.setProviderAndWait(new EdgeFlagProvider({ baseUrl: process.env.EDGE_URL!, context: { targetingKey: instanceId, app: "api" } }));
 * const flags = OpenFeature.getClient();
 * if (await flags.getBooleanValue("trading-enabled", true)) { … }   // `true`: the code default
 * ```
 *
 * Evaluation never touches the network: values come from the last bulk evaluation, made for the provider's context
 * (the `context` option, else the OpenFeature global context at initialization); the per-call context is not sent
 * (flags targeted per user are evaluated by the edge's OFREP single-flag endpoint, not here). When no trustworthy
 * value is held (never loaded, older than `maxStaleMs`, flag missing, disabled, failed or of another type) the
 * call site's default is returned, with the reason and error code OpenFeature defines.
 *
 * Events: `PROVIDER_READY` (the SDK emits it when {@link initialize} resolved: the first fetch, or a cache file,
 * gave values), `PROVIDER_ERROR` (initialization found neither: evaluations return the code defaults until the
 * edge answers, then `PROVIDER_READY`), `PROVIDER_CONFIGURATION_CHANGED` with `flagsChanged` on every pushed or
 * polled change, `PROVIDER_STALE` when the edge stops answering (last-known-good values are served, reason
 * `STALE`), and `PROVIDER_READY` again when it answers.
 */
export class EdgeFlagProvider implements Provider {
  readonly metadata = { name: "stackguard-edge" } as const;
  readonly runsOn = "server";
  readonly events = new OpenFeatureEventEmitter();
  private readonly client: FlagClient;
  private initialized = false;

  constructor(private readonly opts: EdgeFlagProviderOptions) {
    this.client = new FlagClient({
      ...opts,
      defaults: {},
      onChange: (keys) => {
        if (this.initialized) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: keys });
      },
      onHealth: (ok, why) => {
        if (!this.initialized) return;
        if (ok) this.events.emit(ProviderEvents.Ready, { message: "edge answering again" });
        else this.events.emit(ProviderEvents.Stale, { message: `edge not answering (${why}); serving last-known-good values` });
      },
    });
  }

  /** The underlying client's health (stream up, fetch counters), for readiness endpoints and benchmarks. */
  clientStatus(): FlagClientStatus {
    return this.client.status();
  }

  async initialize(context?: EvaluationContext): Promise<void> {
    if (!this.opts.context && context && Object.keys(context).length) this.client.setContext(context);
    await this.client.start();
    this.initialized = true;
    if (!this.client.hasValues()) {
      // The SDK marks the provider ERROR (evaluations still run and return the code defaults); the first answer
      // of the edge emits READY through onHealth.
      throw new Error(`edge flags unavailable (${this.client.status().lastError ?? "no answer"}); serving code defaults until the edge answers`);
    }
  }

  async onClose(): Promise<void> {
    this.client.stop();
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, "boolean"));
  }
  resolveStringEvaluation(flagKey: string, defaultValue: string): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, "string"));
  }
  resolveNumberEvaluation(flagKey: string, defaultValue: number): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, "number"));
  }
  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, "object"));
  }

  private resolve<T extends JsonValue>(key: string, defaultValue: T, type: "boolean" | "string" | "number" | "object"): ResolutionDetails<T> {
    const fallback = (
      errorCode: ErrorCode | undefined,
      errorMessage: string | undefined,
      reason: string = StandardResolutionReasons.ERROR,
      flagMetadata?: FlagMetadata,
    ): ResolutionDetails<T> => ({
      value: defaultValue,
      reason,
      ...(errorCode ? { errorCode, errorMessage } : {}),
      ...(flagMetadata ? { flagMetadata } : {}),
    });
    const l = this.client.lookup(key);
    if (l.state === "not-loaded") return fallback(ErrorCode.PROVIDER_NOT_READY, "no flag values from the edge yet");
    if (l.state === "stale") return fallback(ErrorCode.GENERAL, "flag values are older than maxStaleMs");
    if (l.state !== "ok") return fallback(ErrorCode.FLAG_NOT_FOUND, `flag '${key}' is not served by the edge`);
    const item = l.item;
    const metadata = isMetadata(item.metadata) ? item.metadata : undefined;
    if (item.errorCode) {
      const code = OFREP_ERROR_CODES.has(item.errorCode) ? (item.errorCode as ErrorCode) : ErrorCode.GENERAL;
      return fallback(code, typeof item.errorDetails === "string" ? item.errorDetails : `edge evaluation failed (${item.errorCode})`);
    }
    // A disabled flag (or a kill switch without an off variant) means "use your code default".
    if (item.value === undefined) return fallback(undefined, undefined, item.reason ?? StandardResolutionReasons.DISABLED, metadata);
    const actual = item.value === null || Array.isArray(item.value) ? "object" : typeof item.value;
    if (actual !== type) return fallback(ErrorCode.TYPE_MISMATCH, `flag '${key}' is a ${actual}, not a ${type}`);
    return {
      value: item.value as T,
      ...(item.variant !== undefined ? { variant: item.variant } : {}),
      // A value kept while the edge is not answering is last-known-good, not authoritative.
      reason: l.source === "cache" ? StandardResolutionReasons.STALE : (item.reason ?? StandardResolutionReasons.UNKNOWN),
      ...(metadata ? { flagMetadata: metadata } : {}),
    };
  }
}

function isMetadata(m: unknown): m is FlagMetadata {
  return typeof m === "object" && m !== null && !Array.isArray(m) && Object.values(m).every((v) => ["string", "number", "boolean"].includes(typeof v));
}
