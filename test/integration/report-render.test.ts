/**
 * The HTML report as a browser shows it: headless Chromium takes a screenshot and dumps the
 * DOM; the chart must be drawn (its bar colours in the chart's area) and its figures present.
 * Skips, saying so, only when Chromium is not installed (`apt-get install chromium`) and the
 * run is not CI: with CI=true a missing Chromium fails the test.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderHtml, STATUS_COLOURS } from "../../cli/report/index.ts";
import { CHROMIUM, renderPage } from "../support/chromium.ts";
import { anIncident } from "../support/incidents.ts";
import { decodePng, findColour } from "../support/png.ts";
import { skipWithout } from "../support/tools.ts";

const skip = skipWithout("chromium", CHROMIUM !== undefined, "`apt-get install -y chromium`");
const reason = skip ? " — SKIPPED: chromium is not installed (apt-get install -y chromium)" : "";

describe(`the HTML report in headless Chromium${reason}`, () => {
  it.skipIf(skip)("draws the timeline chart with its bars and figures, and runs no script", () => {
    // Arrange: a complete incident whose finding title carries a script
    const incident = anIncident();
    incident.finding.title = "evil <script>document.title='pwned'</script> <img src=x onerror=alert(1)>";
    const dir = mkdtempSync(join(tmpdir(), "report-"));
    const file = join(dir, `${incident.incidentId}.html`);
    writeFileSync(file, renderHtml({ incident, evidenceBucket: "acme-evidence" }));

    // Act
    const { png, pngFile, dom } = renderPage(file, { width: 1200, height: 1600 });
    const image = decodePng(png);

    // Assert: a real page, of a reasonable size
    expect(image.width).toBe(1200);
    expect(image.height).toBe(1600);
    expect(png.length, pngFile).toBeGreaterThan(30_000);

    // The chart is drawn: in its area (right of the row labels, below the header and its
    // figures) the green bars (ok/verified) and the amber one (partial) are there, and the
    // green bars span most of the time axis.
    const chart = { x0: 200, y0: 300, x1: 1150, y1: 700 };
    const ok = findColour(image, STATUS_COLOURS.ok as string, { region: chart });
    const partial = findColour(image, STATUS_COLOURS.partial as string, { region: chart });
    expect(ok.count, `${pngFile}: green bar pixels in the chart`).toBeGreaterThan(3000);
    expect(partial.count, `${pngFile}: amber bar pixels in the chart`).toBeGreaterThan(1000);
    expect((ok.box?.x1 ?? 0) - (ok.box?.x0 ?? 0), "green bars span the axis").toBeGreaterThan(500);
    expect((ok.box?.y1 ?? 0) - (ok.box?.y0 ?? 0), "green bars on several rows").toBeGreaterThan(100);

    // The DOM: the chart's SVG with one bar per step, the figures, and no script element.
    expect(dom).toContain('id="timeline-chart"');
    expect(dom.match(/<g class="phase"/g)).toHaveLength(6);
    expect(dom).toMatch(/Time to contain \(from detection\)<\/text>/);
    expect(dom).toContain(">1.90 s</text>");
    expect(dom).toContain(">2.10 s</text>");
    expect(dom).toContain("&lt;script&gt;document.title='pwned'&lt;/script&gt;");
    expect(dom).not.toMatch(/<script|<img/i);
    expect(dom).toMatch(/<title>Incident ir-20260302-0a1b2c3d/);
  });
});
