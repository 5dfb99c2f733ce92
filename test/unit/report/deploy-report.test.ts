import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PNG } from "pngjs";
import { renderDeployReport, writeDeployReport } from "../../../infra/report/deploy-report";
import { PLOT_COLORS } from "../../../infra/report/plot";
import { CANARY, realisticReport } from "./fixture";

describe("renderDeployReport", () => {
  const html = renderDeployReport(realisticReport(), { secrets: [CANARY.token] });

  it("shows what changed (not the unchanged), the verdicts, and the final active slots", () => {
    expect(html).toMatch(/What changed \(update: 3\)/);
    expect(html).toContain("stackguard:TrafficSwitch");
    expect(html).toContain("envVars.DATABASE_URL");
    expect(html).not.toContain("render:Postgres"); // `same`: not a change
    expect(html).toMatch(/api: 1\.4\.2 → 1\.5\.0 \(blue → green\) <span class="badge ok">promoted/);
    expect(html).toMatch(/<span class="badge bad">Failed<\/span><\/td><td>error rate 9\.1% &#62; 1%/);
    expect(html).toMatch(/<td>api<\/td><td><strong>green<\/strong><\/td><td>1\.4\.2 \(warm\)<\/td><td>1\.5\.0 \(live\)/);
  });

  it("plots error rate and latency per app, with the limits and the switch (and switch back)", () => {
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain(`stroke="${PLOT_COLORS.errorRate}"`);
    expect(html).toContain(`stroke="${PLOT_COLORS.p99}"`);
    expect(html).toContain("switch → green");
    expect(html).toContain("switch back → green");
    expect(html).toContain("limit 1.0%");
    expect(html).toContain("limit 1000 ms");
  });

  it("is self-contained: no script, no external asset, nothing fetched", () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|src=|href=/i);
    // The only URL is the run's, as text.
    expect(html.match(/https?:\/\//g)).toEqual(["https://"]);
  });

  it("never shows a secret: given ones, credentials in URLs, bearer tokens", () => {
    expect(html).not.toContain(CANARY.token);
    expect(html).not.toContain(CANARY.password);
    expect(
      renderDeployReport({
        ...realisticReport(),
        changes: [{ resource: `postgresql://u:${CANARY.password}@h/db`, type: "render:Postgres", op: "update", fields: [] }],
      }),
    ).not.toContain(CANARY.password);
  });

  it("escapes HTML in every text", () => {
    const data = realisticReport();
    data.promotions![0].app = "<img src=x onerror=alert(1)>";
    const out = renderDeployReport(data);
    expect(out).not.toContain("<img");
    expect(out).toContain("&#60;img src=x onerror=alert(1)&#62;");
  });

  it("names the field of bad data", () => {
    expect(() => renderDeployReport({ ...realisticReport(), startedAt: "yesterday" })).toThrow(/deploy report data startedAt/);
    const bad = realisticReport();
    bad.promotions![0].series![0].errorRate = 2;
    expect(() => renderDeployReport(bad)).toThrow(/deploy report data promotions\.0\.series\.0\.errorRate/);
  });

  it("says so when there is nothing to plot or promote", () => {
    const out = renderDeployReport({ stack: "staging", startedAt: "2026-11-27T00:00:00Z", finishedAt: "2026-11-27T00:01:00Z", outcome: "succeeded" });
    expect(out).toContain("No resource changed.");
    expect(out).toContain("No promotion in this update.");
  });
});

function findChromium(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
      const p = path.join(dir, name);
      if (fs.existsSync(p)) return p;
    }
  }
  return undefined;
}

const chromium = findChromium();
if (!chromium) {
  console.warn("SKIPPED the deploy report screenshot: no chromium on PATH. Install it with: bash tools/scripts/ensure-chromium.sh");
}

(chromium ? describe : describe.skip)("the deploy report in headless Chromium", () => {
  jest.setTimeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-report-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("renders to a screenshot that shows the plot's lines and the status colours", async () => {
    const { file } = writeDeployReport(realisticReport(), path.join(dir, "nested", "report.html"), { secrets: [CANARY.token] });
    const png = path.join(dir, "report.png");
    await new Promise<void>((resolve, reject) => {
      execFile(
        chromium!,
        [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          `--user-data-dir=${path.join(dir, "profile")}`,
          `--screenshot=${png}`,
          "--window-size=1200,900",
          `file://${file}`,
        ],
        { timeout: 100_000 },
        (err, _stdout, stderr) => (err && !fs.existsSync(png) ? reject(new Error(`chromium failed: ${err.message}\n${stderr}`)) : resolve()),
      );
    });
    const img = PNG.sync.read(fs.readFileSync(png));
    expect([img.width, img.height]).toEqual([1200, 900]);
    const colours = new Set<number>();
    let nonWhite = 0;
    const near = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      return (i: number) => Math.abs(img.data[i] - r) + Math.abs(img.data[i + 1] - g) + Math.abs(img.data[i + 2] - b) < 30;
    };
    const wanted = { errorRate: near(PLOT_COLORS.errorRate), p99: near(PLOT_COLORS.p99), switch: near(PLOT_COLORS.switch) };
    const hits = { errorRate: 0, p99: 0, switch: 0 };
    for (let i = 0; i < img.data.length; i += 4) {
      colours.add((img.data[i] << 16) | (img.data[i + 1] << 8) | img.data[i + 2]);
      if (img.data[i] + img.data[i + 1] + img.data[i + 2] < 720) nonWhite++;
      for (const k of Object.keys(wanted) as Array<keyof typeof wanted>) if (wanted[k](i)) hits[k]++;
    }
    expect(colours.size).toBeGreaterThan(50);
    expect(nonWhite / (img.width * img.height)).toBeGreaterThan(0.03);
    // The error-rate line, the p99 line and the switch marker / "promoted" badge are on screen.
    expect(hits.errorRate).toBeGreaterThan(100);
    expect(hits.p99).toBeGreaterThan(100);
    expect(hits.switch).toBeGreaterThan(50);
  });
});
