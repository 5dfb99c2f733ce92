import { redact, registerSecret, registerSecretsIn } from "../../../infra/render/redact";

describe("redact", () => {
  it("removes registered secrets and extra literals", () => {
    registerSecret("canary-registered-7f3a");
    expect(redact("value canary-registered-7f3a rejected")).toBe("value [REDACTED] rejected");
    expect(redact(`key ${"rnd_" + "ABCDEFGHIJKLMNOP"} and k3y-extra-123`, ["k3y-extra-123"])).toBe("key [REDACTED] and [REDACTED]");
  });
  it("registers values under secret-looking keys of a request body, not names", () => {
    registerSecretsIn([
      { key: "DATABASE_URL", value: "canary-body-value-91" },
      { name: "creds.txt", content: "canary-file-content-92" },
    ]);
    const out = redact("DATABASE_URL=canary-body-value-91 creds.txt:canary-file-content-92");
    expect(out).toBe("DATABASE_URL=[REDACTED] creds.txt:[REDACTED]");
  });
  it("masks credentials in URLs, bearer tokens and PGPASSWORD", () => {
    expect(redact("postgresql://user:s3cr3t@host:5432/db")).toBe("postgresql://user:[REDACTED]@host:5432/db");
    expect(redact("Authorization: Bearer abc.def-123")).toBe("Authorization: Bearer [REDACTED]");
    expect(redact("PGPASSWORD=hunter22 psql -h x")).toBe("PGPASSWORD=[REDACTED] psql -h x");
  });
  it("leaves ordinary text alone", () => {
    expect(redact("GET /services/srv-abc 404 not found")).toBe("GET /services/srv-abc 404 not found");
  });
});
