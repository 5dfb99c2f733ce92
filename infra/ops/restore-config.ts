import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { readStackConfigFile } from "../cost/read-stack-file";

/** What `stackguard:database.restore` records: the database the apps use, and where it came from. */
export interface DatabaseRestoreRef {
  /** The recovered database (`dpg-…`). */
  id: string;
  /** Its Render name (the program adopts it by name). */
  name: string;
  /** The database it was recovered from. */
  sourceId: string;
  /** The point in time it holds (RFC 3339, UTC). */
  restoreTime: string;
}

/**
 * Writes `stackguard:database.restore` into `Pulumi.<stack>.yaml`, keeping the file's comments and the rest of its
 * values, then re-reads the file through the stack config schema so a bad write never stays on disk.
 * @returns the file's previous text (to put back if a later step fails)
 */
export function writeRestoreRef(root: string, stack: string, ref: DatabaseRestoreRef): string {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const before = fs.readFileSync(file, "utf8");
  const doc = parseDocument(before);
  const node = doc.createNode({ ...ref });
  // Quoted: Pulumi's YAML reader turns a plain RFC 3339 scalar into a Go time and hands the program another format.
  const time = node.items.find((p) => String((p.key as { value?: unknown }).value) === "restoreTime")?.value as { type?: string } | undefined;
  if (time) time.type = "QUOTE_DOUBLE";
  doc.setIn(["config", "stackguard:database", "restore"], node);
  fs.writeFileSync(file, doc.toString());
  try {
    readStackConfigFile(stack, root);
  } catch (e) {
    fs.writeFileSync(file, before);
    throw e;
  }
  return before;
}
