import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { freePort } from "../../test/support/free-port";
import * as os from "node:os";
import * as path from "node:path";

/** A reference nginx reverse proxy in front of one upstream (Debian's nginx; `apt-get install -y nginx`). */
export interface NginxProxy {
  url: string;
  /** The master's pid (its workers are its children). */
  pid: number;
  version: string;
  stop(): Promise<void>;
}

/** A reference proxy's binary (Debian puts daemons in /usr/sbin, often not on PATH), or undefined when not installed. */
export function findBinary(name: "nginx" | "haproxy"): string | undefined {
  for (const p of [`/usr/sbin/${name}`, `/usr/bin/${name}`]) if (fs.existsSync(p)) return p;
  const w = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return w.status === 0 ? w.stdout.trim() : undefined;
}

/** The nginx binary, or undefined when it is not installed. */
export function findNginx(): string | undefined {
  return findBinary("nginx");
}

/**
 * Runs nginx in the foreground from a temporary prefix, configured like the edge: one worker process (the edge is
 * one Node process), HTTP/1.1 keep-alive to the upstream, no access log.
 */
export async function startNginx(upstream: string): Promise<NginxProxy | undefined> {
  const bin = findNginx();
  if (!bin) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-nginx-"));
  const port = await freePort();
  const u = new URL(upstream);
  const conf = `worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream slot { server ${u.hostname}:${u.port}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://slot;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Host $host;
    }
  }
}
`;
  fs.writeFileSync(path.join(dir, "nginx.conf"), conf);
  const version = spawnSync(bin, ["-v"], { encoding: "utf8" }).stderr.trim();
  const child: ChildProcess = spawn(bin, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${err}${fs.existsSync(`${dir}/error.log`) ? fs.readFileSync(`${dir}/error.log`, "utf8") : ""}`);
    try {
      const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(500) });
      await res.arrayBuffer();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    pid: child.pid!,
    version,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once("exit", () => { fs.rmSync(dir, { recursive: true, force: true }); r(); });
        child.kill("SIGQUIT"); // graceful
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}
