import { main } from "../../../tools/scripts/rollback";

// Built by concatenation so it never reads as a committed value.
const TOKEN = ["sgcanary", "edge", "admin", "7c41e09b2d5f"].join("-");

describe("npm run rollback prints nothing secret", () => {
  it("a secret of the environment quoted by an error is redacted", async () => {
    const lines: string[] = [];
    const code = await main(["--stack", "staging", "--app", "api"], {
      env: { EDGE_ADMIN_TOKEN: TOKEN },
      read: async () => {
        throw new Error(`pulumi said: violates plan: properties changed: ~=values[{map[EDGE_ADMIN_TOKEN:{${TOKEN}}]}] and ${TOKEN}`);
      },
      out: (s) => lines.push(s),
    });
    expect(code).toBe(1);
    expect(lines.join("\n")).not.toContain(TOKEN);
    expect(lines.join("\n")).toContain("violates plan: properties changed: ~=values[…], …");
  });

  it("the stack's edge token is redacted from an edge error", async () => {
    const lines: string[] = [];
    const code = await main(["--stack", "staging", "--app", "api"], {
      env: {},
      read: async () => ({
        edgeUrl: `http://127.0.0.1:9/${TOKEN}`, // an unreachable edge whose error quotes the URL (and so the token)
        edgeAdminToken: TOKEN,
        apps: {
          api: {
            activeSlot: "green",
            versions: { blue: "1.4.2", green: "1.4.3" },
            lastPromotion: { result: "promoted", from: "blue", to: "green", version: "1.4.3" },
          },
        },
      }),
      out: (s) => lines.push(s),
    });
    expect(code).toBe(1);
    expect(lines.join("\n")).toMatch(/rollback failed/);
    expect(lines.join("\n")).not.toContain(TOKEN);
  });
});
