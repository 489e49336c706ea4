/**
 * The daily preflight against the emulator: the triage function's `…-preflight` schedule (run
 * through the local runner, as EventBridge would deliver it) stores its verdicts, alerts on
 * nothing when nothing changed, alerts once naming the check that starts failing (the evidence
 * key disabled), and once more when it passes again.
 */
import { DisableKeyCommand, EnableKeyCommand } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainAlerts, type ReceivedAlert, subscribeAlerts } from "../../cli/drill/run.ts";
import { seedSecurityBaseline } from "../../cli/local/baseline.ts";
import { type LocalSession, startLocalSession } from "../../cli/local/session.ts";
import { dynamoDocClient, kmsClient, snsClient, sqsClient } from "../../shared/aws/clients.ts";
import { PreflightResults } from "../../shared/incident/preflight-results.ts";
import type { ScheduledPreflightOutcome } from "../../shared/preflight/schedule.ts";
import { resetEmulator } from "../support/emulator.ts";

let session: LocalSession;
let queue: string;
let account: string;

/** Runs the daily schedule once; its outcome, and the alerts it sent. */
async function runDaily(): Promise<{ out: ScheduledPreflightOutcome; alerts: ReceivedAlert[] }> {
  const inv = await session.runner.runScheduled("triage", "-preflight");
  expect(inv.error).toBeUndefined();
  const alerts = (await drainAlerts(sqsClient(session.aws), queue)).filter((a) =>
    a.subject.includes("preflight"),
  );
  return { out: inv.result as ScheduledPreflightOutcome, alerts };
}

beforeAll(async () => {
  await resetEmulator();
  session = await startLocalSession({ maxAttempts: 1 });
  account = session.local.context.accountId;
  await seedSecurityBaseline(session.aws, account);
  queue = await subscribeAlerts(
    { sqs: sqsClient(session.aws), sns: snsClient(session.aws) },
    session.local.resources.alertTopicArn,
    "preflight-schedule-listener",
  );
});

afterAll(async () => {
  await session?.stop();
});

describe("the daily preflight on the triage function", () => {
  // The emulator finds a key to disable by its id only, not by its ARN.
  const keyId = () => String(session.local.resources.evidenceKmsKeyArn).split("/").pop() as string;

  it("stores its verdicts on the first run, and alerts only on what fails", async () => {
    const { out, alerts } = await runDaily();

    expect(out.outcome).toBe("preflight");
    expect(out.checks).toBeGreaterThan(5);
    const failing = out.changes.filter((c) => c.after === "fail");
    expect(out.changes).toEqual(failing);
    expect(alerts).toHaveLength(failing.length > 0 ? 1 : 0);
    const stored = await new PreflightResults(
      dynamoDocClient(session.aws),
      session.local.resources.incidentTable,
    ).last(account, session.aws.region);
    expect(stored?.results.map((r) => r.check)).toContain("evidence-key");
    expect(stored?.results.find((r) => r.check === "evidence-key")?.status).toBe("pass");
  });

  it("sends no alert when a second run finds the same", async () => {
    const { out, alerts } = await runDaily();

    expect(out.changes).toEqual([]);
    expect(out.alerted).toBe(false);
    expect(alerts).toEqual([]);
  });

  it("alerts once, naming the evidence key, when the key is disabled", async () => {
    await kmsClient(session.aws).send(new DisableKeyCommand({ KeyId: keyId() }));

    const { out, alerts } = await runDaily();

    expect(out.changes.map((c) => [c.check, c.before, c.after])).toEqual([["evidence-key", "pass", "fail"]]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.subject).toContain("evidence-key");
    expect(JSON.stringify(alerts[0]?.body)).toMatch(/evidence-key in \d{12} [\w-]+ FAILS \(was pass\)/);
  });

  it("does not alert again while the key stays disabled", async () => {
    const { out, alerts } = await runDaily();

    expect(out.changes).toEqual([]);
    expect(alerts).toEqual([]);
  });

  it("alerts once that it passes again when the key is enabled", async () => {
    await kmsClient(session.aws).send(new EnableKeyCommand({ KeyId: keyId() }));

    const { out, alerts } = await runDaily();

    expect(out.changes.map((c) => [c.check, c.before, c.after])).toEqual([["evidence-key", "fail", "pass"]]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.stage).toBe("preflight");
    expect(JSON.stringify(alerts[0]?.body)).toContain("evidence-key");
    expect(JSON.stringify(alerts[0]?.body)).toContain("passes again (was fail)");
  });

  it("leaves the 5-minute schedule to its re-drives", async () => {
    const inv = await session.runner.runScheduled("triage");

    expect(inv.error).toBeUndefined();
    expect(Array.isArray(inv.result)).toBe(true);
  });
});
