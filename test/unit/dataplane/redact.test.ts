import { LineRedactor, REDACTED, looksSecret, redact, secretValues } from "../../../sim/dataplane/redact";

describe("redaction of child output", () => {
  it("treats secret-looking env keys as secrets, and not ordinary ones", () => {
    for (const k of ["API_TOKEN", "EDGE_ADMIN_TOKEN", "DATABASE_URL", "STRIPE_SECRET_KEY", "DB_PASSWORD", "AWS_ACCESS_KEY_ID", "KEY", "SESSION_SECRET"])
      expect(looksSecret(k)).toBe(true);
    for (const k of ["PORT", "GREETING", "EDGE_APPS", "NODE_ENV", "LOG_LEVEL", "MONKEY_COUNT"]) expect(looksSecret(k)).toBe(false);
  });

  it("hides values in raw, JSON-escaped and URL-encoded form, and each line of secret files", () => {
    const secrets = secretValues({ API_TOKEN: 'p@ss "word" 1', GREETING: "hello" }, { "key.pem": "-----BEGIN-----\nMIIEowIBAAKCAQEAcanary\n-----END-----\n" });
    const text = `a p@ss "word" 1 b ${JSON.stringify('p@ss "word" 1')} c ${encodeURIComponent('p@ss "word" 1')} d MIIEowIBAAKCAQEAcanary hello`;
    const out = redact(text, secrets);
    expect(out).not.toContain("word");
    expect(out).not.toContain("MIIEowIBAAKCAQEAcanary");
    expect(out).toContain("hello");
    expect(out.split(REDACTED).length - 1).toBe(4);
  });

  it("finds a secret split across chunks, and never releases the start of one in an over-long line", () => {
    const lines: string[] = [];
    const r = new LineRedactor(["supersecretvalue"], (l) => lines.push(l));
    r.write("x=super");
    r.write("secret");
    r.write("value y\nnext");
    r.end();
    expect(lines).toEqual([`x=${REDACTED} y`, "next"]);

    const long: string[] = [];
    const r2 = new LineRedactor(["supersecretvalue"], (l) => long.push(l));
    r2.write(`${"a".repeat(70 * 1024)}supers`);
    r2.write("ecretvalue tail\n");
    const joined = long.join("");
    expect(joined).not.toContain("supers");
    expect(joined).toContain(`${REDACTED} tail`);
  });
});
