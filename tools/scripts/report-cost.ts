/**
 * `npm run report:cost -- --stack <stack> [--json] [--db-storage-gb <n>] [--prices <file>]`: the monthly cost of a
 * stack from Render's plan prices (infra/cost/render-prices.json), read from its `Pulumi.<stack>.yaml` through the one
 * config schema. Prints a table, or the report as JSON with `--json`. Reads no state and calls no API.
 *
 * Exit codes: 0 printed; 2 bad input (unknown stack, invalid config, unpriced plan, bad option), with one clear line.
 */
import * as path from "node:path";
import { estimateStackCost } from "../../infra/cost/estimate";
import { formatCostTable } from "../../infra/cost/format";
import { DEFAULT_PRICE_TABLE, loadPriceTable } from "../../infra/cost/prices";
import { readStackConfigFile } from "../../infra/cost/read-stack-file";

const ROOT = path.resolve(__dirname, "..", "..");
const USAGE = "usage: npm run report:cost -- --stack <stack> [--json] [--db-storage-gb <n>] [--prices <file>]";

interface Args {
  stack: string;
  json: boolean;
  dbStorageGB?: number;
  prices: string;
}

function parseArgs(argv: string[]): Args {
  const args: Partial<Args> = { json: false, prices: DEFAULT_PRICE_TABLE };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value. ${USAGE}`);
      return v;
    };
    if (a === "--stack") args.stack = value();
    else if (a === "--json") args.json = true;
    else if (a === "--prices") args.prices = path.resolve(value());
    else if (a === "--db-storage-gb") {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`--db-storage-gb must be a whole number of GB above 0 (got '${v}').`);
      args.dbStorageGB = n;
    } else throw new Error(`unknown option '${a}'. ${USAGE}`);
  }
  if (!args.stack) throw new Error(`--stack is required. ${USAGE}`);
  return args as Args;
}

/** Runs the report; returns the exit code. Exported for tests. */
export function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s), root = ROOT): number {
  try {
    const args = parseArgs(argv);
    const cfg = readStackConfigFile(args.stack, root);
    const table = loadPriceTable(args.prices);
    const report = estimateStackCost(args.stack, cfg, table, { dbStorageGB: args.dbStorageGB, priceTableFile: path.relative(root, args.prices) || args.prices });
    out(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatCostTable(report));
    return 0;
  } catch (e) {
    err(`report:cost: ${(e as Error).message}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
