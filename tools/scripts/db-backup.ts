/**
 * `npm run db:backup -- --stack <stack> [--json] [--timeout-seconds <n>] [--download <dir>]`: a logical export of the stack's Postgres
 * through Render's API (`POST /postgres/{id}/export`), waiting until Render lists the new export as downloadable.
 * Run by .github/workflows/backup.yml on a schedule and before every production promotion.
 *
 * The database is found by the name and workspace in the stack's config (`stackguard:database.name`,
 * `stackguard:render.ownerId`). AlphaStack's databases are refused, whatever the config says: this project never
 * touches them. The export's download URL is a signed link and is never printed; Render keeps exports for its own
 * retention period and lists them in the dashboard and through `GET /postgres/{id}/export`. `--download <dir>` also
 * downloads the file (`<export id>.dir.tar.gz`, a `pg_dump` directory-format archive) from that link, with
 * `<export id>.json` (`{id, createdAt}`) beside it: the archive layout `infra/ops/retention.ts` applies retention to.
 *
 * With `RENDER_API_URL` set it talks to that API with `RENDER_API_KEY`; without it, to the embedded Render (started
 * in the background when not running), like `npm run pulumi`.
 *
 * Exit codes (infra/cli/define-cli.ts): 0 exported; 1 Render failed or timed out; 2 bad input or setup (unknown stack, missing key, no such
 * database), before any call that changes anything.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { defineCli, resolveStack, runCli, stackConfig, stackOption, UsageError, type CliIO } from "../../infra/cli/define-cli";
import { providerClient } from "../../infra/providers/context";
import { idsFromAlphaStackConfig, normalizeTarget, parseIdList } from "../../infra/providers/guard";
import type { RenderClient } from "../../infra/render";
import type { PostgresExport } from "../../infra/render";

const ROOT = path.resolve(__dirname, "..", "..");
const USAGE = "usage: npm run db:backup -- --stack <stack> [--json] [--timeout-seconds <n>] [--download <dir>]";

/** A problem the user fixes (exit 2, the CLIs' usage error), raised before anything is changed. */
class BackupInputError extends UsageError {}

/** What a backup produced. Never holds the export's download URL. */
export interface BackupRecord {
  stack: string;
  databaseId: string;
  databaseName: string;
  exportId: string;
  exportCreatedAt: string;
  startedAt: string;
  completedAt: string;
  /** With `--download`: the file written and its size. */
  file?: string;
  bytes?: number;
}

/**
 * Downloads an export from its signed link (no API key: the link is the credential, as with Render's) into `dir`,
 * as `<id>.dir.tar.gz` plus `<id>.json`; written to a temporary name first, so a partial file is never kept.
 * The link is never printed: errors name the export only.
 */
export async function downloadExport(
  url: string,
  exp: { id: string; createdAt: string },
  dir: string,
  timeoutMs = 60 * 60_000,
): Promise<{ file: string; bytes: number }> {
  if (!/^[A-Za-z0-9_-]+$/.test(exp.id)) throw new Error(`export id '${exp.id}' is not a plain file name`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${exp.id}.dir.tar.gz`);
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok || !res.body) throw new Error(`downloading export ${exp.id} failed: HTTP ${res.status}; list the exports again for a fresh link and re-run`);
  const tmp = `${file}.partial-${process.pid}`;
  try {
    await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), fs.createWriteStream(tmp, { mode: 0o600 }));
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  fs.writeFileSync(path.join(dir, `${exp.id}.json`), `${JSON.stringify({ id: exp.id, createdAt: exp.createdAt })}\n`);
  return { file, bytes: fs.statSync(file).size };
}

/** Options for {@link backupStackDatabase}. */
export interface BackupOptions {
  stack: string;
  root?: string;
  client: RenderClient;
  /** Longest wait for the export to be listed with its URL (default 15 min). */
  timeoutMs?: number;
  /** Also download the export into this directory (see {@link downloadExport}). */
  downloadDir?: string;
  /** Between two listings (default 5 s). */
  pollMs?: number;
  log?: (msg: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

/**
 * Starts an export of the stack's database and waits for it to be listed with a download URL.
 * @throws BackupInputError for an unknown stack, a missing database or an AlphaStack id; Error when Render fails or
 *   the export does not show up in time
 */
export async function backupStackDatabase(o: BackupOptions): Promise<BackupRecord> {
  const log = o.log ?? (() => {});
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = o.now ?? (() => new Date());
  const cfg = stackConfig(o.stack, o.root ?? ROOT);
  const { name } = cfg.database;
  const ownerId = cfg.render.ownerId;
  const found = await o.client.postgres.list({ name: [name], ownerId: [ownerId] });
  const matches = found.filter((p) => p.name === name);
  if (matches.length === 0) {
    throw new BackupInputError(
      `no Postgres named '${name}' in workspace ${ownerId} (stack '${o.stack}'): deploy the stack first (npm run pulumi -- up --stack ${o.stack}) or fix stackguard:database.name.`,
    );
  }
  if (matches.length > 1) {
    throw new BackupInputError(
      `${matches.length} Postgres instances are named '${name}' in workspace ${ownerId} (${matches.map((p) => p.id).join(", ")}): rename the extra ones in Render so the stack's database is unambiguous.`,
    );
  }
  const db = matches[0];
  // Render ids are lower case; compare normalized, and a replica (`-b`) is the same database.
  const base = (id: string) => normalizeTarget(id).replace(/^(dpg-[a-z0-9]+)-[a-z]$/, "$1");
  if (cfg.alphaStack.databases.some((d) => base(d) === base(db.id))) {
    throw new BackupInputError(
      `refusing to export ${db.id}: it is one of AlphaStack's databases, which this project never touches. Fix stackguard:database.name in Pulumi.${o.stack}.yaml.`,
    );
  }

  const before = new Set((await o.client.postgres.listExports(db.id)).map((e) => e.id));
  const startedAt = now();
  log(`starting an export of ${db.name} (${db.id}), stack '${o.stack}'…`);
  // Not retried on a 5xx (it is a POST): a lost response is resolved by the listing below, not by a second export.
  await o.client.postgres.startExport(db.id);

  const deadline = startedAt.getTime() + (o.timeoutMs ?? 15 * 60_000);
  let fresh: PostgresExport | undefined;
  for (;;) {
    const listed = await o.client.postgres.listExports(db.id);
    fresh = listed
      .filter((e) => !before.has(e.id) && Date.parse(e.createdAt) >= startedAt.getTime() - 60_000)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (fresh?.url) break;
    if (now().getTime() >= deadline) {
      throw new Error(
        `the export of ${db.id} was started at ${startedAt.toISOString()} but ${fresh ? `export ${fresh.id} has no download URL yet` : "Render lists no new export"} after ${Math.round((o.timeoutMs ?? 900_000) / 1000)} s: check the database's Exports tab in Render's dashboard, then re-run.`,
      );
    }
    await sleep(o.pollMs ?? 5_000);
  }
  const record: BackupRecord = {
    stack: o.stack,
    databaseId: db.id,
    databaseName: db.name,
    exportId: fresh.id,
    exportCreatedAt: fresh.createdAt,
    startedAt: startedAt.toISOString(),
    completedAt: now().toISOString(),
  };
  log(`export ${record.exportId} of ${db.name} is ready (created ${record.exportCreatedAt}).`);
  if (o.downloadDir) {
    const got = await downloadExport(fresh.url, fresh, o.downloadDir);
    record.file = got.file;
    record.bytes = got.bytes;
    log(`downloaded export ${record.exportId} to ${got.file} (${got.bytes} bytes).`);
  }
  return record;
}

/**
 * The Render client: the configured API, or the embedded Render when RENDER_API_URL is unset (as `npm run pulumi`).
 * It is the providers' client, with the write guard installed: the export is a POST, and it must never reach
 * AlphaStack (its ids from the stack config are protected on top of the built-in ones).
 */
export async function clientFromEnv(log: (m: string) => void, protectedIds: readonly string[]): Promise<RenderClient> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script without types, loaded only when a backup runs
  const pulumiEnv = require("./lib/pulumi-env") as {
    isEmbedded(): boolean;
    ensureEmbeddedRender(log: (m: string) => void): Promise<{ apiUrl: string; apiKey: string }>;
  };
  const guarded = { STACKGUARD_PROTECTED_IDS: [...parseIdList(process.env.STACKGUARD_PROTECTED_IDS), ...protectedIds].join(",") };
  if (!pulumiEnv.isEmbedded()) {
    if (!process.env.RENDER_API_KEY)
      throw new BackupInputError(
        "RENDER_API_URL is set but RENDER_API_KEY is not: export your Render API key, or unset RENDER_API_URL to use the embedded Render.",
      );
    return providerClient({ RENDER_API_URL: process.env.RENDER_API_URL, RENDER_API_KEY: process.env.RENDER_API_KEY, ...guarded });
  }
  const sim = await pulumiEnv.ensureEmbeddedRender(log);
  return providerClient({ RENDER_API_URL: sim.apiUrl, RENDER_API_KEY: sim.apiKey, ...guarded });
}

/** CLI entry; returns the exit code (infra/cli/define-cli.ts). `io` (tests): where stdout and stderr lines go. */
export function main(argv: string[], io: CliIO = {}, root = ROOT): Promise<number> {
  const err = io.err ?? ((m: string) => process.stderr.write(`${m}\n`));
  const log = (m: string) => err(`[db:backup] ${m}`);
  return defineCli({
    usage: USAGE,
    name: "[db:backup] error",
    options: { ...stackOption, json: { type: "boolean" }, "timeout-seconds": { type: "string" }, download: { type: "string" } },
    run: async ({ values, out }) => {
      // Bad input fails here, before the simulator is started or Render is called.
      const stack = resolveStack(values.stack as string | undefined);
      let timeoutMs: number | undefined;
      if (values["timeout-seconds"] !== undefined) {
        const n = Number(values["timeout-seconds"]);
        if (!Number.isInteger(n) || n <= 0) throw new BackupInputError("--timeout-seconds must be a whole number of seconds above 0.");
        timeoutMs = n * 1000;
      }
      const { alphaStack } = stackConfig(stack, root);
      const client = await clientFromEnv(log, idsFromAlphaStackConfig(alphaStack));
      const record = await backupStackDatabase({ stack, root, client, timeoutMs, downloadDir: values.download as string | undefined, log });
      out(
        values.json
          ? JSON.stringify(record, null, 2)
          : `backup of stack '${record.stack}': export ${record.exportId} of ${record.databaseName} (${record.databaseId}), created ${record.exportCreatedAt}`,
      );
      return 0;
    },
  })(argv, { out: io.out, err });
}

if (require.main === module) runCli((argv) => main(argv));
