/**
 * The intake topic, end to end in the local responder: what is published to it (a CloudWatch
 * alarm notification, an EventBridge event) reaches the intake function as Lambda's SNS event
 * and opens incidents like events from EventBridge do; a message that is no event is set aside.
 */
import { PublishCommand } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainAlerts, type ReceivedAlert, subscribeAlerts } from "../../cli/drill/run.ts";
import { waitForSettled } from "../../cli/drill/watch.ts";
import { type DemoAccount, seedDemoAccount } from "../../cli/local/demo.ts";
import type { Invocation } from "../../cli/local/runner.ts";
import { type LocalSession, startLocalSession } from "../../cli/local/session.ts";
import { dynamoDocClient, ec2Client, iamClient, snsClient, sqsClient } from "../../shared/aws/clients.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { DynamoIncidentStore } from "../../shared/incident/store.ts";
import { resetEmulator } from "../support/emulator.ts";
import { guardDutyFinding, shown, WAIT_MS, waitFor } from "../support/findings.ts";

describe("SNS intake (local responder)", () => {
  let session: LocalSession;
  let demo: DemoAccount;
  let store: DynamoIncidentStore;
  let topicArn: string;
  let alertQueue: string;
  const invocations: Invocation[] = [];
  let alerts: ReceivedAlert[] = [];
  let byAlarm: IncidentRecord | undefined;
  let byGuardDuty: IncidentRecord | undefined;
  let guardDutyId: string;
  let garbageMessageId: string | undefined;

  const publish = (message: string, subject?: string) =>
    snsClient(session.aws).send(
      new PublishCommand({ TopicArn: topicArn, Message: message, ...(subject ? { Subject: subject } : {}) }),
    );

  beforeAll(async () => {
    await resetEmulator();
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    session = await startLocalSession({ maxAttempts: 2, onInvocation: (i) => invocations.push(i) });
    const aws = session.aws;
    demo = await seedDemoAccount(ec2Client(aws), iamClient(aws));
    store = new DynamoIncidentStore(dynamoDocClient(aws), session.local.resources.incidentTable);
    topicArn = session.local.provisioned.outputs.IntakeTopicArn as string;
    alertQueue = await subscribeAlerts(
      { sqs: sqsClient(aws), sns: snsClient(aws) },
      session.local.resources.alertTopicArn,
      "sns-intake-alerts",
    );
    const account = session.local.context.accountId;

    // What CloudWatch publishes to an alarm action topic.
    await publish(
      JSON.stringify({
        AlarmName: "payments-web-cpu-high",
        AlarmDescription: "CPU above 90% for 5 minutes",
        AWSAccountId: account,
        NewStateValue: "ALARM",
        NewStateReason: "Threshold Crossed: 1 datapoint [97.5] was greater than the threshold (90.0).",
        StateChangeTime: new Date().toISOString().replace("Z", "+0000"),
        Region: "US East (N. Virginia)",
        AlarmArn: `arn:aws:cloudwatch:${aws.region}:${account}:alarm:payments-web-cpu-high`,
        OldStateValue: "OK",
        Trigger: {
          MetricName: "CPUUtilization",
          Namespace: "AWS/EC2",
          Statistic: "AVERAGE",
          Dimensions: [{ value: demo.instances.web.instanceId, name: "InstanceId" }],
          Period: 300,
          EvaluationPeriods: 1,
          ComparisonOperator: "GreaterThanThreshold",
          Threshold: 90.0,
        },
      }),
      "ALARM: payments-web-cpu-high",
    );
    // What an EventBridge rule with the topic as its target publishes: the event itself.
    const finding = guardDutyFinding({
      instanceId: demo.instances.batch.instanceId,
      account,
      region: aws.region,
    });
    guardDutyId = String((finding.detail as { id: string }).id);
    await publish(JSON.stringify(finding));
    garbageMessageId = (await publish("the web server looks odd, please check")).MessageId;

    const open = await waitFor(
      () => store.listOpen(),
      (list) => list.length >= 2,
      WAIT_MS,
      "two open incidents",
    );
    byAlarm = open.find((i) => i.finding.source === "alarm");
    byGuardDuty = open.find((i) => i.finding.source === "guardduty");
    expect(byGuardDuty, `open incidents: ${shown(open.map((i) => i.finding.source))}`).toBeDefined();
    const { settled, incident } = await waitForSettled(store, byGuardDuty?.incidentId ?? "", {
      timeoutMs: WAIT_MS,
    });
    expect(settled, shown(incident.steps)).toBe(true);
    await session.runner.settled(WAIT_MS);
    alerts = await drainAlerts(sqsClient(aws), alertQueue);
  });

  afterAll(async () => {
    await session?.stop();
  });

  it("hands each message to the intake function as Lambda's SNS event", () => {
    const intake = invocations.filter((i) => i.functionName === "intake");

    expect(intake).toHaveLength(3);
    for (const inv of intake) {
      expect(inv.error).toBeUndefined();
      expect(inv.event).toMatchObject({
        Records: [{ EventSource: "aws:sns", Sns: { TopicArn: topicArn, Message: expect.any(String) } }],
      });
    }
  });

  it("opens an incident for the alarm, on the instance its metric names", () => {
    expect(byAlarm?.finding).toMatchObject({
      source: "alarm",
      type: "alarm:payments-web-cpu-high",
      resources: [expect.objectContaining({ kind: "ec2-instance", id: demo.instances.web.instanceId })],
    });
    expect(byAlarm?.impact.owner).toBe("payments-team@example.com");
  });

  it("opens an incident for the GuardDuty event and runs its plan", () => {
    expect(byGuardDuty?.finding.id).toBe(guardDutyId);
    expect(byGuardDuty?.finding.resources[0]?.id).toBe(demo.instances.batch.instanceId);
    expect(byGuardDuty?.plan.actions.map((a) => a.name)).toContain("contain-instance");
  });

  it("alerts both incidents as opened", () => {
    const opened = alerts.filter((a) => a.stage === "opened").map((a) => a.incidentId);

    expect(opened).toEqual(expect.arrayContaining([byAlarm?.incidentId, byGuardDuty?.incidentId]));
  });

  it("sets aside a message that is no event: dead letter under its SNS message id, and an alert", async () => {
    const letters = await store.listDeadLetters();
    const rejected = alerts.filter((a) => a.stage === "rejected");

    expect(letters).toEqual([
      expect.objectContaining({ errorName: "InvalidEventError", path: "Message", id: garbageMessageId }),
    ]);
    expect(letters[0]?.event).toContain("the web server looks odd");
    expect(rejected).toHaveLength(1);
  });
});
