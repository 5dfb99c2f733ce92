/**
 * Custom domains and their verification on Render, checked before traffic moves and watched by the guardian.
 *
 * An unverified domain has no certificate: Render issues one only after it sees the DNS records. Moving traffic to an
 * app whose host is unverified (or missing from the edge) would serve certificate errors, so the TrafficSwitch calls
 * {@link assertDomainsReady} before a switch, and the guardian turns {@link collectDomainSignals} into the
 * `domain.verification` signal (infra/alerts/signals.ts; default rule: unverified for 30 min). Certificate expiry is
 * the guardian's TLS probe (`cert.days_left`, apps/guardian/sources/cert.ts): Render's API does not show it.
 */
import type { Sample } from "../alerts/evaluate";
import type { RenderClient } from "../render/client";
import type { CustomDomain } from "../render/schemas/domain";

/** Why a domain is not ready to carry traffic. */
export interface DomainProblem {
  domain: string;
  problem: "missing" | "unverified";
  /** A sentence with the fix. */
  detail: string;
}

/** The verdict of {@link checkDomains}. */
export interface DomainCheck {
  ready: boolean;
  /** Each expected domain (and each `www.` redirect Render added for an apex one) with its status on Render. */
  domains: Array<{ name: string; verificationStatus: "verified" | "unverified" | "missing" }>;
  problems: DomainProblem[];
}

/**
 * Pure check: every expected domain is on the service and verified; so is every redirect Render added for one of
 * them (an apex domain brings its `www.` subdomain, which needs its own certificate).
 */
export function checkDomains(live: readonly CustomDomain[], expected: readonly string[]): DomainCheck {
  const byName = new Map(live.map((d) => [d.name.toLowerCase(), d]));
  const wanted = [...new Set(expected.map((d) => d.toLowerCase()))];
  const names = [
    ...wanted,
    ...live.filter((d) => d.redirectForName && wanted.includes(d.redirectForName.toLowerCase()) && !wanted.includes(d.name)).map((d) => d.name),
  ];
  const domains: DomainCheck["domains"] = [];
  const problems: DomainProblem[] = [];
  for (const name of names) {
    const d = byName.get(name);
    if (!d) {
      domains.push({ name, verificationStatus: "missing" });
      problems.push({
        domain: name,
        problem: "missing",
        detail: `${name} is not a custom domain of the edge: add it to stackguard:edge.domains and run pulumi up`,
      });
    } else {
      domains.push({ name, verificationStatus: d.verificationStatus });
      if (d.verificationStatus !== "verified") {
        problems.push({
          domain: name,
          problem: "unverified",
          detail: `${name} is not verified on Render (no certificate yet): point its DNS at the edge (CNAME to the service's onrender.com host, or Render's A record for an apex), then verify it in the dashboard`,
        });
      }
    }
  }
  return { ready: problems.length === 0, domains, problems };
}

/** Thrown by {@link assertDomainsReady}: traffic must not move. */
export class DomainsNotReadyError extends Error {
  constructor(
    readonly serviceId: string,
    readonly problems: DomainProblem[],
  ) {
    super(`traffic not moved: ${problems.length} custom domain(s) of ${serviceId} are not ready: ${problems.map((p) => p.detail).join("; ")}`);
    this.name = "DomainsNotReadyError";
  }
}

/**
 * Reads the edge service's custom domains (one paginated GET) and throws unless every one of `domains` is present
 * and verified. Reads only; call it before a switch.
 * @throws DomainsNotReadyError listing each domain and its fix; RenderApiError when Render cannot be read
 */
export async function assertDomainsReady(client: RenderClient, edgeServiceId: string, domains: readonly string[]): Promise<DomainCheck> {
  if (domains.length === 0) return { ready: true, domains: [], problems: [] };
  const check = checkDomains(await client.customDomains.list(edgeServiceId), domains);
  if (!check.ready) throw new DomainsNotReadyError(edgeServiceId, check.problems);
  return check;
}

/** One `domain.verification` sample (1 verified, 0 not) for one domain, as the guardian's series store takes it. */
interface DomainSignalSample {
  signal: "domain.verification";
  /** The domain name: the rule's `target`. */
  target: string;
  serviceId: string;
  sample: Sample;
}

/** What {@link collectDomainSignals} gathered: samples, and the services it could not read (message only). */
export interface DomainSignals {
  samples: DomainSignalSample[];
  errors: Array<{ serviceId: string; error: string }>;
}

/**
 * The `domain.verification` signal for every custom domain of the given services: one sample per domain (v = 1 when
 * verified, else 0) at `now`. A service that cannot be read yields an error entry instead (the guardian records it
 * on the series, so a rule goes to its no-data/error handling rather than to a false "verified").
 */
export async function collectDomainSignals(client: RenderClient, serviceIds: readonly string[], now: number = Date.now()): Promise<DomainSignals> {
  const out: DomainSignals = { samples: [], errors: [] };
  for (const serviceId of serviceIds) {
    try {
      for (const d of await client.customDomains.list(serviceId)) {
        out.samples.push({
          signal: "domain.verification",
          target: d.name,
          serviceId,
          sample: { t: now, v: d.verificationStatus === "verified" ? 1 : 0, n: 1 },
        });
      }
    } catch (e) {
      out.errors.push({ serviceId, error: (e as Error).message });
    }
  }
  return out;
}
