import { describe, expect, it } from "vitest";
import { mdCode } from "../../../cli/report/escape.ts";
import { escapeMarkdown, renderHtml, renderMarkdown } from "../../../cli/report/index.ts";
import type { IncidentRecord } from "../../../shared/incident/model.ts";
import { anIncident } from "../../support/incidents.ts";

const EVIL = "x|y<b>`code`[click](https://evil.example)</td><script>alert(1)</script>\n| forged | row |";

/** An incident whose every account-written text carries table, HTML and Markdown syntax. */
function hostile(): IncidentRecord {
  const inc = anIncident();
  inc.impact.tags = { Name: "x|y<b>", Owner: EVIL };
  inc.impact.owner = EVIL;
  inc.impact.reasons = [
    { factor: "tag", points: 20, text: `Environment=${EVIL}: +20` },
    { factor: EVIL, points: 1, text: "- looks like a list" },
  ];
  inc.plan.notes = ["# not a heading", "1. not a list", "- not a nested list", `> ${EVIL}`];
  inc.actions.push({ name: "autoscaling:standby", target: "asg|name`x`<i>", status: "ok", detail: EVIL });
  inc.alerts.push({ stage: "opened", at: inc.updatedAt, subject: "[HIGH] i-0abc opened — x|y<b>" });
  inc.approvals = [{ decision: "denied", by: EVIL, at: inc.updatedAt, reason: "$\\phantom{hidden}$" }];
  inc.steps.artifacts = { ...inc.steps.artifacts!, error: EVIL };
  return inc;
}

/** The cell separators of a GFM table row: pipes not escaped by an odd run of backslashes. */
function separators(row: string): number {
  let n = 0;
  let slashes = 0;
  for (const c of row) {
    if (c === "|" && slashes % 2 === 0) n++;
    slashes = c === "\\" ? slashes + 1 : 0;
  }
  return n;
}

/** Each GFM table of a document: its header row and body rows. */
function markdownTables(md: string): string[][] {
  const tables: string[][] = [];
  let current: string[] | undefined;
  for (const line of md.split("\n")) {
    if (line.startsWith("|")) {
      if (!current) {
        current = [];
        tables.push(current);
      }
      current.push(line);
    } else current = undefined;
  }
  return tables;
}

describe("the Markdown escaper", () => {
  it("escapes pipes, angle brackets, backticks, link brackets and maths", () => {
    expect(escapeMarkdown("a|b<c>`d`[e](f)$g$")).toBe("a\\|b&lt;c&gt;\\`d\\`\\[e\\]\\(f\\)\\$g\\$");
  });

  it("escapes a start that would open a block where the value lands", () => {
    expect(escapeMarkdown("- item")).toBe("\\- item");
    expect(escapeMarkdown("12. item")).toBe("12\\. item");
    expect(escapeMarkdown("3) item")).toBe("3\\) item");
    expect(escapeMarkdown("# heading")).toBe("\\# heading");
    expect(escapeMarkdown("> quote")).toBe("&gt; quote");
    expect(escapeMarkdown("1.90 s")).toBe("1.90 s");
  });

  it("gives text that a code span cannot carry as escaped text, and the rest as code", () => {
    expect(mdCode("a|b`c<d>")).toBe("a\\|b\\`c&lt;d&gt;");
    expect(mdCode("i-0123456789abcdef0")).toBe("`i-0123456789abcdef0`");
  });
});

describe("the Markdown report under hostile text", () => {
  it("keeps every table row at its header's number of cells", () => {
    // Act
    const md = renderMarkdown({ incident: hostile() });

    // Assert
    const tables = markdownTables(md);
    expect(tables.length).toBeGreaterThan(5);
    for (const [header, ...rows] of tables) {
      const want = separators(header ?? "");
      for (const row of rows) expect(separators(row), row).toBe(want);
    }
  });

  it("lets no raw `<`, link, heading, list or maths through", () => {
    // Act
    const md = renderMarkdown({ incident: hostile() });

    // Assert
    expect(md).not.toContain("<");
    expect(md).not.toMatch(/(?<!\\)\]\(/);
    expect(md).not.toMatch(/(?<!\\)\$/);
    expect(md).not.toMatch(/^- (?:#|\d+\.|-|>)/m);
    expect(md).toContain("x\\|y&lt;b&gt;");
  });
});

describe("the HTML report under hostile text", () => {
  it("keeps `</td><script>` and `x|y` inside their cell: every row has its header's number of cells", () => {
    // Act
    const html = renderHtml({ incident: hostile() });

    // Assert
    const tables = [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((m) => m[1] ?? "");
    expect(tables.length).toBeGreaterThan(5);
    for (const table of tables) {
      const head = (table.match(/<th>/g) ?? []).length;
      const rows = [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1);
      for (const [, row] of rows) expect((row?.match(/<td[ >]/g) ?? []).length, row).toBe(head);
    }
    expect(html).not.toMatch(/<script|<b>|<i>/);
    expect(html).toContain(
      "Environment=x|y&lt;b&gt;`code`[click](https://evil.example)&lt;/td&gt;&lt;script&gt;",
    );
    expect(html).toContain("<code>Name=x|y&lt;b&gt;</code>");
  });
});
