import * as net from "node:net";

/**
 * One command on HAProxy's runtime API (the stats socket, non-interactive mode: HAProxy answers and closes). Rejects
 * after `timeoutMs` or on a socket error.
 */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => sock.destroy(new Error(`HAProxy runtime API: no answer to '${command.split(" ")[0]}' within ${timeoutMs} ms`)), timeoutMs);
    sock.on("connect", () => sock.end(`${command}\n`));
    sock.on("data", (d) => chunks.push(d));
    sock.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on("close", (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve(Buffer.concat(chunks).toString("utf8"));
    });
  });
}

/** One row of `show stat` (a backend or a server), the fields the control plane reads. */
export interface StatRow {
  proxy: string;
  /** `BACKEND` for the backend's own row, else the server's name. */
  name: string;
  /** Current sessions (requests being served, in HTTP mode) and queued requests. */
  scur: number;
  qcur: number;
  /** `UP`, `DOWN`, `UP 1/3` (going down), `DOWN 1/2` (going up), `MAINT`, `NOLB`, `no check`. */
  status: string;
  checkStatus: string;
  lastCheck: string;
  /** Responses by class, and upstream connection / response errors. */
  hrsp5xx: number;
  econ: number;
  eresp: number;
}

/** Parses `show stat`'s CSV (its header line names the columns). */
export function parseStat(csv: string): StatRow[] {
  const lines = csv.split("\n").filter((l) => l.length > 0);
  const header = lines[0];
  if (!header?.startsWith("# ")) throw new Error(`HAProxy runtime API: unexpected 'show stat' answer: ${csv.slice(0, 120)}`);
  const cols = header.slice(2).split(",");
  const at = (n: string) => cols.indexOf(n);
  const ix = {
    px: at("pxname"),
    sv: at("svname"),
    scur: at("scur"),
    qcur: at("qcur"),
    status: at("status"),
    cs: at("check_status"),
    lc: at("last_chk"),
    h5: at("hrsp_5xx"),
    econ: at("econ"),
    eresp: at("eresp"),
  };
  const num = (v: string | undefined) => (v ? Number(v) || 0 : 0);
  return lines.slice(1).map((l) => {
    const f = csvFields(l);
    return {
      proxy: f[ix.px]!,
      name: f[ix.sv]!,
      scur: num(f[ix.scur]),
      qcur: num(f[ix.qcur]),
      status: f[ix.status] ?? "",
      checkStatus: f[ix.cs] ?? "",
      lastCheck: f[ix.lc] ?? "",
      hrsp5xx: num(f[ix.h5]),
      econ: num(f[ix.econ]),
      eresp: num(f[ix.eresp]),
    };
  });
}

/** The fields of one CSV line; HAProxy quotes a field holding a comma (a check's message) with double quotes. */
function csvFields(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}
