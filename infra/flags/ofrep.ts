import { createHash } from "node:crypto";
import type { EvaluationContext, FlagMetadata, JsonValue } from "@openfeature/core";
import type { FlagEvaluation, FlagStore } from "./store";

/**
 * OFREP (OpenFeature Remote Evaluation Protocol, open-feature/protocol `service/openapi.yaml`) as pure functions:
 * request bodies in, `{ status, headers, body }` out. The node:http wrapper is `ofrep-handler.ts`.
 */

/** An HTTP answer, independent of any server library. */
export interface OfrepResponse {
  status: number;
  headers: Record<string, string>;
  /** Absent for 304. */
  body?: unknown;
}

/** A successful evaluation (`value` absent = "use your code default", as for a disabled flag). */
export interface OfrepEvaluationSuccess {
  key: string;
  value?: JsonValue;
  reason: string;
  variant?: string;
  metadata: FlagMetadata;
}

/** A failed evaluation. */
export interface OfrepEvaluationFailure {
  key: string;
  errorCode: string;
  errorDetails?: string;
}

/** The bulk endpoint's 200 body. */
export interface OfrepBulkResponse {
  flags: Array<OfrepEvaluationSuccess | OfrepEvaluationFailure>;
  /** OFREP 0.3.0 (ADR-0008): where to subscribe to change notifications; absent when the server only supports polling. */
  eventStreams?: Array<{ type: string; url?: string; endpoint?: { requestUri: string; origin?: string }; inactivityDelaySec?: number }>;
}

/** Our bookkeeping metadata stays server-side; `kind`, `override` and custom keys are returned. */
const PRIVATE_METADATA = new Set(["owner", "createdAt", "expiresAt", "description", "offVariant"]);

function publicMetadata(m: FlagMetadata): FlagMetadata {
  return Object.fromEntries(Object.entries(m).filter(([k]) => !PRIVATE_METADATA.has(k)));
}

/** Extracts the evaluation context from an OFREP request body (`{ "context": {…} }`; an empty body means `{}`). */
export function parseEvaluationRequest(body: unknown): { ok: true; context: EvaluationContext } | { ok: false; details: string } {
  if (body === undefined || body === null) return { ok: true, context: {} };
  if (typeof body !== "object" || Array.isArray(body))
    return { ok: false, details: 'request body must be a JSON object like {"context": {"targetingKey": "user-1"}}' };
  const ctx = (body as { context?: unknown }).context;
  if (ctx === undefined) return { ok: true, context: {} };
  if (typeof ctx !== "object" || ctx === null || Array.isArray(ctx)) return { ok: false, details: "context must be a JSON object" };
  const tk = (ctx as { targetingKey?: unknown }).targetingKey;
  if (tk !== undefined && typeof tk !== "string") return { ok: false, details: "context.targetingKey must be a string" };
  return { ok: true, context: ctx as EvaluationContext };
}

/** Maps one store evaluation onto OFREP's success / failure item. */
export function toOfrepItem(e: FlagEvaluation): OfrepEvaluationSuccess | OfrepEvaluationFailure {
  if (e.reason === "ERROR") return { key: e.key, errorCode: e.errorCode ?? "GENERAL", ...(e.errorMessage ? { errorDetails: e.errorMessage } : {}) };
  return {
    key: e.key,
    ...(e.value !== undefined ? { value: e.value } : {}),
    reason: e.reason,
    ...(e.variant !== undefined ? { variant: e.variant } : {}),
    metadata: publicMetadata(e.metadata),
  };
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

/** `POST /ofrep/v1/evaluate/flags/{key}`. */
export function evaluateSingle(store: FlagStore, key: string, body: unknown): OfrepResponse {
  const req = parseEvaluationRequest(body);
  if (!req.ok) return { status: 400, headers: JSON_HEADERS, body: { key, errorCode: "INVALID_CONTEXT", errorDetails: req.details } };
  const e = store.evaluate(key, req.context);
  if (!e.found) return { status: 404, headers: JSON_HEADERS, body: { key, errorCode: "FLAG_NOT_FOUND", errorDetails: e.errorMessage } };
  const item = toOfrepItem(e);
  return { status: "errorCode" in item ? 400 : 200, headers: JSON_HEADERS, body: item };
}

/** A strong ETag over the exact bulk body: it changes exactly when what this context would see changes. */
export function etagOf(body: unknown): string {
  return `"${createHash("sha256").update(JSON.stringify(body)).digest("base64url").slice(0, 27)}"`;
}

/** RFC 9110 If-None-Match: `*` or a list of (possibly weak) tags, compared weakly as GET-like caches do. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === bare);
}

/**
 * `POST /ofrep/v1/evaluate/flags`, with ETag and 304 when `If-None-Match` matches; `eventStreams` (when the server
 * pushes changes) is part of the body and so of the ETag.
 */
export function evaluateBulk(store: FlagStore, body: unknown, ifNoneMatch?: string, eventStreams?: OfrepBulkResponse["eventStreams"]): OfrepResponse {
  const req = parseEvaluationRequest(body);
  if (!req.ok) return { status: 400, headers: JSON_HEADERS, body: { errorCode: "INVALID_CONTEXT", errorDetails: req.details } };
  const out: OfrepBulkResponse = { flags: store.evaluateAll(req.context).map(toOfrepItem), ...(eventStreams?.length ? { eventStreams } : {}) };
  const etag = etagOf(out);
  if (ifNoneMatchHits(ifNoneMatch, etag)) return { status: 304, headers: { etag } };
  return { status: 200, headers: { ...JSON_HEADERS, etag }, body: out };
}

/** `GET /ofrep/v1/configuration` (OFREP extension): tells providers to poll, and how often at most. */
export function configuration(minPollingIntervalMs: number): OfrepResponse {
  return {
    status: 200,
    headers: JSON_HEADERS,
    body: {
      name: "stackguard-edge",
      capabilities: {
        cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs } },
        flagEvaluation: { supportedTypes: ["int", "float", "string", "boolean", "object"] },
      },
    },
  };
}
