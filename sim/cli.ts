import { startSimulator } from "./index";
import type { RateLimitMode } from "./ratelimit";

/**
 * `npm run sim -- --port <n> --state <dir> [--time-scale <x>] [--rate-limit relaxed]`: runs the simulator in the
 * foreground until SIGINT/SIGTERM. Prints one line containing `listening` and the URL. Never prints the API key.
 */
export interface CliArgs {
  port: number;
  state: string;
  timeScale?: number;
  rateLimit?: RateLimitMode;
}

const USAGE = "usage: npm run sim -- --port <n> --state <dir> [--time-scale <x>] [--rate-limit render|relaxed]";

/** Parses the command line; throws a message naming the bad flag and the fix. */
export function parseArgs(argv: string[]): CliArgs {
  // Same default state as the background simulator `npm start` / `npm run pulumi` use.
  const out: Partial<CliArgs> = { port: 0, state: ".stackguard/sim" };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const need = () => {
      if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value\n${USAGE}`);
      i++;
      return value;
    };
    switch (flag) {
      case "--port": {
        const v = need();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port ${v} is not a port number (0-65535; 0 picks a free one)`);
        out.port = n;
        break;
      }
      case "--state":
        out.state = need();
        break;
      case "--time-scale": {
        const v = need();
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0) throw new Error(`--time-scale ${v} must be a positive number (1 = Render's timing, 0.01 = 100× faster)`);
        out.timeScale = n;
        break;
      }
      case "--rate-limit": {
        const v = need();
        if (v !== "render" && v !== "relaxed") throw new Error(`--rate-limit ${v} must be "render" or "relaxed"`);
        out.rateLimit = v;
        break;
      }
      case "--help":
      case "-h":
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  return out as CliArgs;
}

async function main(): Promise<void> {
  let args: CliArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  const sim = await startSimulator({ port: args.port, stateDir: args.state, timeScale: args.timeScale, rateLimit: args.rateLimit });
  const keySource = process.env.SIM_API_KEY ? "SIM_API_KEY" : `${args.state}/api-key`;
  process.stdout.write(`stackguard simulator listening on ${sim.url} (Render API ${sim.apiUrl}; API key in ${keySource}; pid ${process.pid})\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`stackguard simulator stopping (${signal})\n`);
    sim.stop().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`stop failed: ${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`stackguard simulator failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
