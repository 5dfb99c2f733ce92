import { fromGoYamlTime, normalizeGoYamlTimes } from "../../../infra/config/go-yaml-time";

/** What the Pulumi CLI hands the program for unquoted YAML timestamps (Go's time.Time String()). */
describe("Go-rendered YAML timestamps in stack config", () => {
  it("reads an unquoted date back as the date", () => {
    expect(fromGoYamlTime("2026-11-27 00:00:00 +0000 UTC")).toBe("2026-11-27");
  });
  it("reads a date-time back as ISO 8601 with its offset", () => {
    expect(fromGoYamlTime("2026-11-27 10:30:05 +0000 UTC")).toBe("2026-11-27T10:30:05Z");
    expect(fromGoYamlTime("2026-11-27 10:30:05.25 +0130 +0130")).toBe("2026-11-27T10:30:05.25+01:30");
  });
  it("leaves every other string alone", () => {
    for (const s of ["2026-11-27", "hello 2026-11-27 00:00:00", "2026-11-27T00:00:00Z", ""]) expect(fromGoYamlTime(s)).toBe(s);
  });
  it("walks nested config values", () => {
    expect(
      normalizeGoYamlTimes({ flags: { a: { metadata: { createdAt: "2026-11-27 00:00:00 +0000 UTC", n: 1 } } }, l: ["2026-01-02 00:00:00 +0000 UTC"] }),
    ).toEqual({ flags: { a: { metadata: { createdAt: "2026-11-27", n: 1 } } }, l: ["2026-01-02"] });
  });
});
