/** Flag sets shared by the flag tests. */
export const meta = (kind: "release" | "experiment" | "operational" | "kill-switch", createdAt = "2026-11-01") => ({
  kind,
  owner: "team-platform",
  createdAt,
});

export function sampleSet(): Record<string, unknown> {
  return {
    $schema: "https://flagd.dev/schema/v0/flags.json",
    $evaluators: { staff: { ends_with: [{ var: "email" }, "@alphaplatform.example"] } },
    flags: {
      "new-checkout": {
        state: "ENABLED",
        variants: { on: true, off: false },
        defaultVariant: "off",
        targeting: {
          if: [
            { $ref: "staff" },
            "on",
            {
              fractional: [
                ["on", 25],
                ["off", 75],
              ],
            },
          ],
        },
        metadata: meta("release"),
      },
      "order-book-depth": {
        state: "ENABLED",
        variants: { shallow: 10, deep: 50 },
        defaultVariant: "shallow",
        targeting: { if: [{ sem_ver: [{ var: "appVersion" }, ">=", "2.0.0"] }, "deep", null] },
        metadata: meta("experiment"),
      },
      "quote-banner": {
        state: "DISABLED",
        variants: { a: "Trade now", b: "Start trading" },
        defaultVariant: "a",
        metadata: meta("experiment"),
      },
      "trading-enabled": {
        state: "ENABLED",
        variants: { on: true, off: false },
        defaultVariant: "on",
        metadata: meta("kill-switch", "2025-01-01"),
      },
      "ui-theme": {
        state: "ENABLED",
        variants: { dark: { bg: "#000" }, light: { bg: "#fff" } },
        defaultVariant: "dark",
        metadata: { ...meta("operational", "2024-01-01"), offVariant: "light" },
      },
    },
  };
}
