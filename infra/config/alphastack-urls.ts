/**
 * URL and host matching for AlphaStack, shared by the routing schema (infra/config/routing.ts), the policy pack and
 * the gate (policies/), so that all of them compare the same normal form. Plain prefix or substring matching is
 * never safe on URLs: `https://engine.alphastack.example/healthz/../admin`, `%2e%2e`, `ENGINE.alphastack.example.`,
 * `http://2130706433/` and `https://alphastack-engine.onrender.com` all name something a naive match misses.
 *
 * Pure functions; no I/O.
 */

/** A URL in normal form: lower-case scheme and host without trailing dots, explicit port, decoded dot-free path. */
export interface NormalUrl {
  scheme: string;
  host: string;
  /** The port, explicit or the scheme's default. */
  port: string;
  /** Percent-decoded (repeatedly), `\` as `/`, `.`/`..` segments resolved, no empty segments. */
  path: string;
  hasQuery: boolean;
  hasUserInfo: boolean;
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { "http:": "80", "https:": "443", "ws:": "80", "wss:": "443" };

/** Lower case, brackets and trailing dots removed (`Engine.AlphaStack.example.` → `engine.alphastack.example`). */
function normalizeHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.+$/, "");
}

/** Decodes percent-encoding until stable (at most 4 rounds: `%252e` is `%2e` is `.`); undecodable input is kept. */
function decodeFully(s: string): string {
  let cur = s;
  for (let i = 0; i < 4; i++) {
    let next: string;
    try {
      next = decodeURIComponent(cur);
    } catch {
      next = cur.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    }
    if (next === cur) break;
    cur = next;
  }
  return cur;
}

/** A path decoded and with its dot segments resolved (RFC 3986 §5.2.4), `\` read as `/`, empty segments dropped. */
export function normalizePath(p: string): string {
  const decoded = decodeFully(p).replace(/\\/g, "/");
  const out: string[] = [];
  for (const seg of decoded.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return `/${out.join("/")}`;
}

/**
 * Parses an absolute URL into its {@link NormalUrl}; undefined when `text` is not one. The WHATWG parser already
 * turns `2130706433`, `0x7f.1` and `127.1` into `127.0.0.1` and IDNs into punycode.
 */
export function normalizeUrl(text: string): NormalUrl | undefined {
  // The pack asks for the same URLs (AlphaStack's status URL, the edge's upstreams) for every resource and rule.
  if (normalized.has(text)) return normalized.get(text);
  const v = parseNormalUrl(text);
  if (normalized.size >= NORMALIZED_MAX) normalized.clear();
  normalized.set(text, v && Object.freeze(v));
  return v;
}

const NORMALIZED_MAX = 5_000;
const normalized = new Map<string, Readonly<NormalUrl> | undefined>();

function parseNormalUrl(text: string): NormalUrl | undefined {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (!u.host) return undefined;
  return {
    scheme: u.protocol.toLowerCase(),
    host: normalizeHost(u.hostname),
    port: u.port || DEFAULT_PORTS[u.protocol] || "",
    // u.pathname keeps %2e%2e and %2f as written; decode first, then resolve.
    path: normalizePath(u.pathname),
    hasQuery: u.search.length > 1 || u.hash.length > 1,
    hasUserInfo: !!(u.username || u.password),
  };
}

/** Every absolute http(s)/ws(s) URL written inside free text (JSON strings, commands, env values). */
export function urlsIn(text: string): string[] {
  return [...text.matchAll(/\b(?:https?|wss?):\/\/[^\s"'<>`{}|^\][,]+(?:\[[0-9a-f:.]+\][^\s"'<>`{}|^,]*)?/gi)].map((m) => m[0].replace(/[).;]+$/, ""));
}

/**
 * Whether `text` is exactly a read-only URL: the same scheme, host and port as one of `allowed`, and a normalized
 * path equal to its path or below it segment-wise (`/healthz`, `/healthz/ready`; never `/healthz/../admin`,
 * `/healthz%2F..%2Fadmin` or `/healthzadmin`), with no credentials and nothing a shell would interpret around it.
 */
export function isReadOnlyUrl(text: string, allowed: readonly string[]): boolean {
  if (/[\s;&|`$<>]/.test(text)) return false;
  const u = normalizeUrl(text);
  if (!u || u.hasUserInfo) return false;
  return allowed.some((a) => {
    const b = normalizeUrl(a);
    if (!b || b.scheme !== u.scheme || b.host !== u.host || b.port !== u.port) return false;
    return u.path === b.path || u.path.startsWith(b.path === "/" ? "/" : `${b.path}/`);
  });
}

/** What AlphaStack's network addresses are, for {@link AlphaStackHosts}. */
export interface AlphaStackHostSources {
  /** Its custom domains (`engine.alphastack.example`): the domain and every subdomain. */
  domains?: readonly string[];
  /** Its Render ids (`srv-…`, `dpg-…`): as a host or a host's first label. */
  ids?: readonly string[];
  /** Its Render service names (`alphastack-engine`): as a private-network host, an `onrender.com` slug (with or without Render's random suffix). */
  names?: readonly string[];
  /** Further hosts or IP addresses it answers on (its `onrender.com` hosts, IPs, loopback URLs on the simulator). */
  addresses?: readonly string[];
}

/** Render's public suffix for services, and the private network's bare host names. */
const RENDER_SUFFIXES = ["onrender.com", "render.com", "internal"];

/** Normalizes a host or an address given as a URL/`host:port` (`http://127.0.0.1:4100` → `127.0.0.1:4100`). */
function addressKey(a: string): string | undefined {
  const t = a.trim();
  if (!t) return undefined;
  const u = normalizeUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `http://${t}`);
  if (!u) return undefined;
  const explicitPort = /:\d+(\/|$)/.test(t.replace(/^[a-z][a-z0-9+.-]*:\/\//i, ""));
  return explicitPort ? `${u.host}:${u.port}` : u.host;
}

/** Recognises a host (or a `host:port`) as AlphaStack's, in every spelling the sources allow. */
export class AlphaStackHosts {
  private readonly domains: string[];
  private readonly ids: Set<string>;
  private readonly names: string[];
  private readonly addresses = new Set<string>();

  constructor(s: AlphaStackHostSources) {
    this.domains = (s.domains ?? []).map(normalizeHost).filter(Boolean);
    this.ids = new Set((s.ids ?? []).map(normalizeHost).filter(Boolean));
    this.names = (s.names ?? []).map(normalizeHost).filter(Boolean);
    for (const a of s.addresses ?? []) {
      const k = addressKey(a);
      if (k) this.addresses.add(k);
    }
  }

  /** Adds addresses (e.g. the URLs of AlphaStack's services read at preview). */
  addAddresses(list: Iterable<string>): void {
    for (const a of list) {
      const k = addressKey(a);
      if (k) this.addresses.add(k);
    }
  }

  /** Why `host` (optionally with `port`) is AlphaStack's, or undefined. */
  match(host: string, port?: string): string | undefined {
    const h = normalizeHost(host);
    if (!h) return undefined;
    if (this.addresses.has(h) || (port && this.addresses.has(`${h}:${port}`)))
      return `${h}${port && this.addresses.has(`${h}:${port}`) ? `:${port}` : ""} is an address of AlphaStack`;
    for (const d of this.domains) if (h === d || h.endsWith(`.${d}`)) return `${h} is AlphaStack's domain ${d}`;
    const labels = h.split(".");
    const first = labels[0];
    const rest = labels.slice(1).join(".");
    const renderHost = !rest || RENDER_SUFFIXES.some((x) => rest === x || rest.endsWith(`.${x}`));
    for (const id of this.ids) {
      const base = id.replace(/^(dpg-[a-z0-9]+)-[a-z]$/, "$1");
      if (h === id || first === id || first.startsWith(`${base}-`) || first === base) return `${h} is AlphaStack's Render resource ${id}`;
    }
    if (renderHost) {
      for (const n of this.names)
        if (first === n || new RegExp(`^${n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[a-z0-9]{1,8}$`).test(first))
          return `${h} is AlphaStack's Render service ${n}`;
    }
    return undefined;
  }

  /** Why the URL points at AlphaStack, or undefined (not a URL, or another host). */
  matchUrl(text: string): string | undefined {
    const u = normalizeUrl(text);
    return u ? this.match(u.host, u.port) : undefined;
  }
}
