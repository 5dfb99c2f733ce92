/**
 * The Pulumi CLI reads stack files with Go's YAML, which turns an unquoted date (`createdAt: 2026-11-27`) into a
 * timestamp and hands the program its Go rendering, `2026-11-27 00:00:00 +0000 UTC`. Writing dates unquoted is
 * natural YAML, so the program reads that rendering back as the ISO date or date-time it was.
 */
const GO_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) ([+-])(\d{2})(\d{2})(?: [A-Za-z0-9+-]+)?$/;

/** A Go-rendered timestamp as ISO 8601 (a bare date when it is midnight UTC); any other value unchanged. */
export function fromGoYamlTime(value: string): string {
  const m = GO_TIME.exec(value);
  if (!m) return value;
  const [, date, time, sign, hh, mm] = m;
  if (time === "00:00:00" && hh === "00" && mm === "00") return date;
  return `${date}T${time}${hh === "00" && mm === "00" ? "Z" : `${sign}${hh}:${mm}`}`;
}

/** {@link fromGoYamlTime} applied to every string inside a parsed config value. */
export function normalizeGoYamlTimes(value: unknown): unknown {
  if (typeof value === "string") return fromGoYamlTime(value);
  if (Array.isArray(value)) return value.map(normalizeGoYamlTimes);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeGoYamlTimes(v)]));
  return value;
}
