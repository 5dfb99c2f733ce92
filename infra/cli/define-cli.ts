/**
 * One convention for the project's command-line tools (`npm run gate`, `db:backup`, `flag`, …):
 *
 * - options are parsed by `node:util` `parseArgs`, strict: an unknown option or a missing value is a usage error;
 * - exit 0 on success, 2 on a usage error (bad or missing option, unknown stack, invalid input the user fixes; the
 *   message and the usage on stderr), 1 on any other failure (its message only on stderr: no stack trace, which could
 *   quote a secret from a request or a config); `--help`/`-h` prints the usage on stdout and exits 0;
 * - `--stack` is always a Pulumi stack name ({@link resolveStack}), and what a CLI needs from the stack comes from the
 *   stack itself: its `Pulumi.<stack>.yaml` ({@link stackConfig}) or its outputs, never a separate "environment".
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { readStackConfigFile } from "../cost/read-stack-file";
import type { StackConfig } from "../config/schema";

/** A problem the user fixes by changing the command line or its input: exit 2, with the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The option table, as `node:util` `parseArgs` takes it. */
export type CliOptions = NonNullable<ParseArgsConfig["options"]>;

/** Where a CLI writes; each call is one line or block (a final newline is added when missing). */
export interface CliIO {
  out?: (text: string) => void;
  err?: (text: string) => void;
}

/** What `run` receives: the parsed options and positionals, and the output sinks. */
interface CliContext<O extends CliOptions> {
  values: ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: boolean }>>["values"];
  positionals: string[];
  out: (text: string) => void;
  err: (text: string) => void;
}

/** A CLI's definition for {@link defineCli}. */
export interface CliSpec<O extends CliOptions> {
  /** The usage line(s), printed with every usage error and on `--help`. */
  usage: string;
  options: O;
  /** Whether positional arguments are accepted (default: no, any is a usage error). */
  allowPositionals?: boolean;
  /** Prefix of error lines, e.g. `report:cost` (default: none). */
  name?: string;
  /** Does the work; returns the exit code (0 unless the CLI documents another, e.g. rollback's 3). */
  run(ctx: CliContext<O>): Promise<number> | number;
}

const line = (write: (s: string) => void) => (s: string) => write(s.endsWith("\n") ? s : `${s}\n`);

/**
 * Builds a CLI's entry point. The returned `main(argv, io?)` never throws and never exits the process: it resolves
 * to the exit code (run it with {@link runCli} when the file is the entry point).
 */
export function defineCli<O extends CliOptions>(spec: CliSpec<O>): (argv: string[], io?: CliIO) => Promise<number> {
  return async (argv, io = {}) => {
    const out = io.out ?? line((s) => process.stdout.write(s));
    const err = io.err ?? line((s) => process.stderr.write(s));
    const prefix = spec.name ? `${spec.name}: ` : "";
    if (argv.includes("--help") || argv.includes("-h")) {
      out(spec.usage);
      return 0;
    }
    try {
      let parsed;
      try {
        parsed = parseArgs({ args: argv, options: spec.options, strict: true, allowPositionals: spec.allowPositionals ?? false });
      } catch (e) {
        // parseArgs's errors name the option (ERR_PARSE_ARGS_UNKNOWN_OPTION, …INVALID_OPTION_VALUE, …UNEXPECTED_POSITIONAL).
        throw new UsageError((e as Error).message);
      }
      return await spec.run({ values: parsed.values as CliContext<O>["values"], positionals: parsed.positionals, out, err });
    } catch (e) {
      if (e instanceof UsageError) {
        err(`${prefix}${e.message}\n${spec.usage}`);
        return 2;
      }
      err(`${prefix}${e instanceof Error ? e.message : String(e)}`);
      return 1;
    }
  };
}

/**
 * Runs a CLI as the process's entry point and exits with `main(process.argv.slice(2))`'s code, without waiting for
 * idle keep-alive sockets (a background simulator the CLI started is its own process and keeps running).
 */
export function runCli(main: (argv: string[]) => Promise<number>): void {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}

/** Pulumi's stack name: letters, digits, `-`, `_`, `.`, at most 100 characters (also safe in file names). */
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** The `--stack` option, for a CLI's option table. */
export const stackOption = { stack: { type: "string" } } as const;

/**
 * Validates `--stack`. `qualified` also accepts Pulumi's `org/stack` and `org/project/stack` forms, for CLIs that
 * only hand the name to the pulumi CLI (never to a file name).
 * @throws UsageError naming `--stack`, with an example, when it is missing or not a stack name
 */
export function resolveStack(value: string | undefined, o: { qualified?: boolean } = {}): string {
  if (!value) throw new UsageError("--stack <stack> is required, e.g. --stack staging");
  const parts = value.split("/");
  const ok = o.qualified ? parts.length <= 3 && parts.every((p) => STACK_NAME.test(p)) : STACK_NAME.test(value);
  if (!ok) {
    throw new UsageError(
      `--stack '${value}' is not a stack name: use letters, digits, '-', '_' or '.'${o.qualified ? " (or org/project/stack)" : ""}, e.g. --stack staging`,
    );
  }
  return value;
}

/**
 * The stack's validated config from its `Pulumi.<stack>.yaml` (the one schema the program uses).
 * @throws UsageError for a bad name, an unknown stack (listing the known ones) or an invalid config (naming the key)
 */
export function stackConfig(stack: string | undefined, root: string): StackConfig {
  try {
    return readStackConfigFile(resolveStack(stack), root);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
}
