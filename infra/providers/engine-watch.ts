import * as net from "node:net";

/**
 * Tells a provider process that the Pulumi engine which started it is gone.
 *
 * Why not `process.ppid`: our `pulumi-resource-pulumi-nodejs` shim `exec`s node, so node's parent is the engine; the
 * official one is a `/bin/sh` script that runs node as a child, so node's parent is that shell, which outlives a
 * killed engine. What holds under both: the engine passes its own gRPC address as the provider's last argument
 * (after any `--logtostderr`/`-v=`/`--tracing` flags), and a dead engine's port refuses connections.
 */

/** Host and port of the engine's gRPC server. */
export interface EngineAddress {
  host: string;
  port: number;
}

/** The engine address among a plugin's arguments: the last `host:port` one (the engine appends it after its flags). */
export function engineAddress(argv: readonly string[] = process.argv.slice(2)): EngineAddress | undefined {
  for (let i = argv.length - 1; i >= 0; i--) {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(argv[i]);
    if (m && Number(m[3]) > 0 && Number(m[3]) < 65536) return { host: m[1] ?? m[2], port: Number(m[3]) };
  }
  return undefined;
}

/** One TCP connect to the engine: "refused" only when the port positively refuses (a slow answer is not death). */
function probe(addr: EngineAddress, timeoutMs = 2_000): Promise<"alive" | "refused" | "unknown"> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: addr.host, port: addr.port });
    const done = (r: "alive" | "refused" | "unknown") => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(timeoutMs, () => done("unknown"));
    socket.once("connect", () => done("alive"));
    socket.once("error", (e: NodeJS.ErrnoException) => done(e.code === "ECONNREFUSED" ? "refused" : "unknown"));
  });
}

/** Options of {@link watchEngine}. */
export interface WatchOptions {
  /** Called once when the engine is gone. */
  onGone: (reason: string) => void;
  /** Plugin arguments (default: this process's). */
  argv?: readonly string[];
  /** Probe interval (default 1 s). */
  intervalMs?: number;
}

/**
 * Calls `onGone` when the engine is gone: two refused connects in a row to its gRPC address, or (with our exec'ing
 * shim) a changed parent process. Never keeps the process alive by itself. Returns a function that stops watching.
 */
export function watchEngine(opts: WatchOptions): () => void {
  const addr = engineAddress(opts.argv ?? process.argv.slice(2));
  const parent = process.ppid;
  let refusals = 0;
  let busy = false;
  let stopped = false;
  const gone = (reason: string) => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    opts.onGone(reason);
  };
  const timer = setInterval(async () => {
    if (process.ppid !== parent) return gone(`parent process ${parent} exited`);
    if (!addr || busy) return;
    busy = true;
    try {
      refusals = (await probe(addr)) === "refused" ? refusals + 1 : 0;
      if (refusals >= 2) gone(`the engine at ${addr.host}:${addr.port} refuses connections`);
    } finally {
      busy = false;
    }
  }, opts.intervalMs ?? 1_000);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
