import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { StateStore } from "./types";

/**
 * Keeps the state in a JSON file shared by the instances on one host (local runs, the simulator). Writes go to a
 * temporary file renamed over the old one, so a reader never sees half a document.
 */
export class FileStore implements StateStore {
  readonly kind = "file";
  constructor(private readonly file: string) {}

  async load(): Promise<unknown | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new Error(`EDGE_STATE_FILE ${this.file} is not valid JSON (${(e as Error).message}); fix or delete it`, { cause: e });
    }
  }

  async save(doc: unknown): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    const fh = await fs.open(tmp, "w");
    try {
      await fh.writeFile(JSON.stringify(doc));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, this.file);
  }
}
