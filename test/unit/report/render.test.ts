import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildTimeline,
  escapeHtml,
  escapeMarkdown,
  formatDuration,
  OK_COLOUR,
  renderHtml,
  renderMarkdown,
  renderTimelineSvg,
} from "../../../cli/report/index.ts";
import type { IncidentRecord } from "../../../shared/incident/model.ts";
import { normalizeEvent, wrapDrill } from "../../../shared/intake/index.ts";
import { anIncident } from "../../support/incidents.ts";

/** An incident opened from the fixture whose title carries `<script>`, bidi overrides and a NUL. */
function hostileIncident(): IncidentRecord {
  const raw = JSON.parse(
    readFileSync(
      new URL("../../fixtures/events/malformed/constructed_unicode_control_chars.json", import.meta.url),
      "utf8",
    ),
  );
  const intake = normalizeEvent(wrapDrill(raw, "unicode"));
  if (intake.kind !== "finding") throw new Error("the fixture must make a finding");
  const inc = anIncident({ finding: intake.finding });
  inc.impact.tags = { Name: '"><img src=x onerror=alert(1)>', Owner: "a|b" };
  inc.steps.artifacts = {
    ...inc.steps.artifacts!,
    error: "<iframe src=//evil>",
    detail: "line1\nline2 | pipe",
  };
  inc.alerts.push({ stage: "failed", at: inc.updatedAt, subject: "</td><script>x()</script>" });
  // Whatever is stored there: the report prints any shape, escaped.
  inc.cleanroom = { note: "<style>body{display:none}</style>" } as unknown as IncidentRecord["cleanroom"];
  return inc;
}

const ALLOWED_TAGS = new Set(
  "html head meta title style body main header h1 h2 h3 p span dl dt dd div figure figcaption svg g rect text line circle path table thead tbody tr th td code ul li em strong footer".split(
    " ",
  ),
);

function tagsOf(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => (m[1] ?? "").toLowerCase());
}

describe("the incident timeline", () => {
  it("measures time to contain and time to evidence from detection", () => {
    // Act
    const t = buildTimeline(anIncident());

    // Assert
    expect(t.fromDetection).toBe(true);
    expect(t.figures).toMatchObject({
      timeToContainMs: 1900,
      timeToEvidenceMs: 2100,
      timeToTriageMs: 180,
      timeToCleanroomMs: 3300,
    });
    expect(t.phases.map((p) => p.step)).toEqual([
      "triage",
      "contain",
      "snapshots",
      "artifacts",
      "manifest",
      "cleanroom",
    ]);
    expect(t.phases.find((p) => p.step === "contain")?.durationMs).toBe(1640);
  });

  it("gives no time to contain when containment failed, and says so", () => {
    const inc = anIncident();
    inc.steps.contain = { ...inc.steps.contain!, status: "failed", error: "still open" };

    const t = buildTimeline(inc);

    expect(t.figures.timeToContainMs).toBeUndefined();
    expect(t.figures.containStatus).toBe("failed");
  });

  it("keeps a detection far in the past off the axis instead of squashing the response", () => {
    const inc = anIncident();
    inc.finding.time = "2026-03-01T10:00:00.000Z";

    const t = buildTimeline(inc);

    expect(t.fromDetection).toBe(false);
    expect(t.detectedEarlierMs).toBe(86_400_180);
    expect(t.figures.timeToContainMs).toBe(86_401_900);
  });

  it("draws a phase still waiting up to now", () => {
    const inc = anIncident();
    inc.steps.snapshots = { status: "waiting", startedAt: inc.steps.snapshots!.startedAt, attempts: 1 };

    const t = buildTimeline(inc, { now: Date.parse("2026-03-02T10:00:05.000Z") });

    expect(t.phases.find((p) => p.step === "snapshots")?.end).toBe(Date.parse("2026-03-02T10:00:05.000Z"));
  });

  it("formats durations for people", () => {
    expect(formatDuration(420)).toBe("420 ms");
    expect(formatDuration(2310)).toBe("2.31 s");
    expect(formatDuration(252_000)).toBe("4 min 12 s");
    expect(formatDuration(7_380_000)).toBe("2 h 03 min");
    expect(formatDuration(undefined)).toBe("—");
  });
});

describe("the SVG chart", () => {
  it("draws one bar per step in its status colour, the milestones and the labelled figures", () => {
    const svg = renderTimelineSvg(buildTimeline(anIncident()));

    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<g class="phase"/g)).toHaveLength(6);
    expect(svg).toContain(`data-step="contain" data-status="verified">`);
    expect(svg).toContain(`fill="${OK_COLOUR}"`);
    expect(svg).toContain('data-milestone="contained"');
    expect(svg).toContain('data-milestone="evidence-preserved"');
    expect(svg).toContain(">Time to contain (from detection)</text>");
    expect(svg).toContain(">1.90 s</text>");
    expect(svg).toContain(">2.10 s</text>");
  });
});

describe("the HTML report", () => {
  it("is one self-contained page: no script, nothing fetched, a CSP that forbids both", () => {
    const html = renderHtml({ incident: anIncident(), evidenceBucket: "acme-evidence" });

    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|href=|url\(|@import/i);
    expect(html.match(/https?:\/\/[^\s"]*/g)).toEqual(["http://www.w3.org/2000/svg"]);
  });

  it("escapes every untrusted text: finding title, tags, errors, subjects, clean room", () => {
    const html = renderHtml({ incident: hostileIncident() });

    expect(new Set(tagsOf(html))).toEqual(new Set([...tagsOf(html)].filter((t) => ALLOWED_TAGS.has(t))));
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;");
    for (const c of ["\u202A", "\u202E", "\u0000"]) expect(html).not.toContain(c);
  });

  it("never lets random text open a tag or break out of an attribute", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (evil) => {
        const inc = anIncident();
        inc.finding.title = evil;
        inc.finding.type = evil;
        inc.impact.tags = { Name: evil, [evil]: evil };
        inc.impact.reasons = [{ factor: evil, points: 1, text: evil }];
        inc.plan.notes = [evil];
        inc.steps[evil || "x"] = { status: "failed", startedAt: inc.createdAt, attempts: 1, error: evil };
        inc.actions.push({ name: evil, target: evil, status: "failed", detail: evil });
        const html = renderHtml({ incident: inc });
        for (const tag of tagsOf(html)) expect(ALLOWED_TAGS.has(tag), tag).toBe(true);
        expect(html.match(/<script/gi)).toBeNull();
      }),
      { numRuns: 150 },
    );
  });

  it("shows the timeline, impact reasoning, actions, evidence and alerts", () => {
    const html = renderHtml({ incident: anIncident(), evidenceBucket: "acme-evidence" });

    expect(html).toContain('id="timeline-chart"');
    expect(html).toContain("DataClassification=restricted: +30");
    expect(html).toContain("isolate-network");
    expect(html).toContain("s3://acme-evidence/incidents/ir-20260302-0a1b2c3d/");
    expect(html).toContain("a".repeat(64));
    expect(html).toContain("snap-0aaa1111");
    expect(html).toContain("evidence-preserved");
    expect(html).toContain("incident-responder-cleanroom-ir-20260302-0a1b2c3d");
  });
});

describe("the Markdown report", () => {
  it("escapes HTML and Markdown in untrusted text and keeps table rows whole", () => {
    const md = renderMarkdown({ incident: hostileIncident() });

    expect(md).not.toMatch(/<script|<img|<iframe|<style/i);
    expect(md).toContain("&lt;script&gt;alert\\(1\\)&lt;/script&gt;");
    expect(md).toContain("line1 line2 \\| pipe");
    for (const line of md.split("\n").filter((l) => l.startsWith("| "))) {
      const cells = line.replaceAll("\\|", "").split("|").length;
      expect(cells).toBeGreaterThan(2);
    }
  });

  it("carries the figures, a Gantt chart and the evidence manifest", () => {
    const md = renderMarkdown({ incident: anIncident(), evidenceBucket: "acme-evidence" });

    expect(md).toContain("| Time to contain (from detection) | **1.90 s** |");
    expect(md).toContain("| Time to evidence (from detection) | **2.10 s** |");
    expect(md).toContain("```mermaid\ngantt");
    expect(md).toContain(`\`${"a".repeat(64)}\``);
    expect(md).toContain("`s3://acme-evidence/incidents/ir-20260302-0a1b2c3d/`");
  });

  it("escapes what renderers would read as markup", () => {
    expect(escapeMarkdown("a|b*c_[d](e)<f>")).toBe("a\\|b\\*c\\_\\[d\\]\\(e\\)&lt;f&gt;");
    expect(escapeHtml(`"'<&>`)).toBe("&quot;&#39;&lt;&amp;&gt;");
  });
});
