import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Env var values, secret files and database passwords are encrypted at rest (AES-256-GCM) so the state file never
 * holds them in plaintext; the key lives next to it in `<stateDir>/state-key` (mode 0600).
 */
export class SealedBox {
  private constructor(private readonly key: Buffer) {}

  static open(stateDir: string): SealedBox {
    const file = join(stateDir, "state-key");
    if (!existsSync(file)) {
      try {
        writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600, flag: "wx" });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    }
    const key = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
    if (key.length !== 32) throw new Error(`${file} is not a 32-byte base64 key; delete the state directory to start afresh`);
    return new SealedBox(key);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([c.update(plain, "utf8"), c.final()]);
    return `enc:${Buffer.concat([iv, c.getAuthTag(), body]).toString("base64")}`;
  }

  unseal(stored: string): string {
    if (!stored.startsWith("enc:")) return stored;
    const raw = Buffer.from(stored.slice(4), "base64");
    const d = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString("utf8");
  }
}
