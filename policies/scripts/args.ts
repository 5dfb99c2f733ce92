/** Tiny argv parser for the pack's scripts: `--name value` and `--flag`; unknown options are errors. */
export function parseArgs(argv: string[], spec: Record<string, "string" | "boolean">): Record<string, string | boolean | undefined> {
  const out: Record<string, string | boolean | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !(m[1] in spec)) throw new Error(`unknown argument ${a}; expected ${Object.keys(spec).map((k) => `--${k}`).join(", ")}`);
    if (spec[m[1]] === "boolean") out[m[1]] = true;
    else {
      const v = m[2] ?? argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`--${m[1]} needs a value`);
      out[m[1]] = v;
    }
  }
  return out;
}

/** Stack names as Pulumi accepts them (also keeps them safe in file names). */
export const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
