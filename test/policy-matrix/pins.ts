/**
 * The prior state the pinned-reference scenarios need: a production test stack (`prodpins`, production's config)
 * whose state holds a managed AlphaStack reference (a `ProtectedRef` marker with `protect`) and the program's two
 * `.get` reads of AlphaStack's services, and the baseline generated from that state by the pack's own function
 * (`buildStackBaseline`, what `npm run baseline` runs), so every pin hashes inputs the engine really recorded.
 *
 * The setup `up` runs a reduced program (the `.get` references and the marker: what a reviewed promotion would
 * have left in state) without the pack: production-requires-promotion refuses any `up` of a production stack
 * outside the gate, and the marker writes nothing to Render. The scenarios then preview the whole program.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { Baseline, BaselineSchema, readBaselineFile, StackBaseline } from "../../policies/config";
import { ProtectedSet } from "../../policies/lib/protected";
import { signStackBaseline } from "../../policies/lib/baseline-digest";
import { buildStackBaseline, StateResource } from "../../policies/lib/state";
import { PulumiProject, ROOT } from "../support/pulumi-project";
import { PIN_DECLARATION, PIN_STACK, PIN_URN, PROTECTED_REF } from "./scenarios";

/** What the pin scenarios start from. */
export interface PinState {
  /** `Pulumi.prodpins.yaml` as the setup left it (production's config and the stack's passphrase salt). */
  stackYaml: string;
  /** `pulumi stack export` of the stack (secrets encrypted), for `pulumi stack import` in each workspace. */
  stateFile: string;
  /** The committed baseline plus the `prodpins` entry generated from the state: what the scenarios pass inline. */
  baseline: Baseline;
  entry: StackBaseline;
  ms: number;
}

/** The setup program: AlphaStack's `.get` references (stacks/alphastack.ts) and the pinned marker. */
const SETUP_INDEX = `import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "../infra/config/load";
import { readRawStackConfig } from "./read-config";
import { referenceAlphaStack } from "./alphastack";

referenceAlphaStack(parseStackConfig(pulumi.getStack(), readRawStackConfig()));
import "./scenario";
`;

/** AlphaStack's ids and domains as a stack config names them (`stackguard:alphaStack`), like `npm run baseline`. */
function alphaStackIds(stackYaml: string): string[] {
  const a = (YAML.parse(stackYaml)?.config?.["stackguard:alphaStack"] ?? {}) as Record<string, unknown>;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : []);
  return [...list(a.environmentId), ...list(a.services), ...list(a.envGroups), ...list(a.databases), ...list(a.domains)];
}

/** Deploys the pin stack's prior state into a throwaway project copy and derives its baseline. */
export async function preparePins(render: { apiUrl: string; apiKey: string }, outDir: string): Promise<PinState> {
  const started = Date.now();
  const project = await PulumiProject.create({ render });
  try {
    const yamlFile = path.join(project.dir, `Pulumi.${PIN_STACK}.yaml`);
    const production = fs.readFileSync(path.join(ROOT, "Pulumi.production.yaml"), "utf8");
    fs.writeFileSync(yamlFile, `# Policy-matrix test stack: production's config, with a managed AlphaStack reference in its state.\n${production}`);
    await project.selectStack(PIN_STACK);
    fs.writeFileSync(path.join(project.dir, "stacks", "index.ts"), SETUP_INDEX);
    fs.writeFileSync(path.join(project.dir, "stacks", "scenario.ts"), `import * as pulumi from "@pulumi/pulumi";\n${PROTECTED_REF}\n${PIN_DECLARATION}\n`);
    const up = await project.run(["up", "--yes", "--skip-preview", "--stack", PIN_STACK]);
    if (up.code !== 0) throw new Error(`pin setup: pulumi up of ${PIN_STACK} failed (exit ${up.code}):\n${(up.stdout + up.stderr).slice(-3000)}`);

    const exported = await project.run(["stack", "export", "--stack", PIN_STACK]);
    if (exported.code !== 0) throw new Error(`pin setup: stack export failed: ${exported.stderr}`);
    const stateFile = path.join(outDir, `${PIN_STACK}.state.json`);
    fs.writeFileSync(stateFile, exported.stdout);
    const plain = await project.run(["stack", "export", "--show-secrets", "--stack", PIN_STACK]);
    if (plain.code !== 0) throw new Error(`pin setup: stack export --show-secrets failed: ${plain.stderr}`);
    const resources = (JSON.parse(plain.stdout).deployment?.resources ?? []) as StateResource[];

    const stackYaml = fs.readFileSync(yamlFile, "utf8");
    // Signed like npm run baseline signs it (alphastack-baseline-signed checks the digest of every entry).
    const entry = signStackBaseline(
      PIN_STACK,
      buildStackBaseline(resources, new ProtectedSet(alphaStackIds(stackYaml)), `pulumi stack export --stack ${PIN_STACK} (policy matrix setup)`),
    );
    const managed = entry.resources.find((e) => e.urn === PIN_URN);
    if (managed?.mode !== "managed" || !managed.inputsHash)
      throw new Error(`pin setup: the state of ${PIN_STACK} gave no managed pin for ${PIN_URN}: ${JSON.stringify(entry)}`);
    if (entry.resources.filter((e) => e.mode === "read").length < 2)
      throw new Error(`pin setup: expected the two .get reads of AlphaStack's services in ${PIN_STACK}'s state: ${JSON.stringify(entry)}`);

    const { $comment: _comment, ...committed } = readBaselineFile("baseline.json");
    const baseline = BaselineSchema.parse({ ...committed, stacks: { ...committed.stacks, [PIN_STACK]: entry } });
    return { stackYaml, stateFile, baseline, entry, ms: Date.now() - started };
  } finally {
    project.dispose();
  }
}
