import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../../test/support/free-port";
import { findBinary, runReferenceProxy, type ReferenceProxy } from "./reference-proxy";

/** A reference nginx reverse proxy in front of one upstream (Debian's nginx; `apt-get install -y nginx`). */
export type NginxProxy = ReferenceProxy;

/**
 * Runs nginx in the foreground from a temporary prefix, configured like the edge: one worker process (the edge is
 * one Node process), HTTP/1.1 keep-alive to the upstream, no access log.
 */
export async function startNginx(upstream: string): Promise<NginxProxy | undefined> {
  const bin = findBinary("nginx");
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
  return runReferenceProxy({
    name: "nginx",
    bin,
    args: ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-g", "daemon off;"],
    dir,
    port,
    version,
    stopSignal: "SIGQUIT",
    diagnostics: () => (fs.existsSync(`${dir}/error.log`) ? fs.readFileSync(`${dir}/error.log`, "utf8") : ""),
  });
}
