import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { buildAlert } from "../../../shared/alerts/message.ts";
import { SnsAlerter, snsAttributes, snsMessage } from "../../../shared/alerts/publisher.ts";
import { notify } from "../../../shared/workflow/notify.ts";
import { anIncident } from "../../support/incidents.ts";
import { silentLog } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";

const sns = mockClient(SNSClient);

describe("the SNS alerter", () => {
  beforeEach(() => sns.reset());

  it("publishes text for e-mail and JSON for machines, with filterable attributes", async () => {
    // Arrange
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const alert = buildAlert({ stage: "contained", incident: anIncident(), summary: "Contained." });

    // Act
    const out = await new SnsAlerter(
      new SNSClient({ region: "us-east-1" }),
      "arn:aws:sns:us-east-1:1:alerts",
    ).publish(alert);

    // Assert
    expect(out.messageId).toBe("m-1");
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.MessageStructure).toBe("json");
    expect(input?.Subject).toBe(alert.subject);
    const message = JSON.parse(input?.Message ?? "{}");
    expect(message.default).toBe(alert.text);
    expect(message.email).toBe(alert.text);
    for (const protocol of ["sqs", "lambda", "http", "https", "email-json"])
      expect(JSON.parse(message[protocol]).stage).toBe("contained");
    expect(message.sms).toBe(alert.subject);
    expect(input?.MessageAttributes?.severity).toEqual({ DataType: "Number", StringValue: "8" });
    expect(input?.MessageAttributes?.tier).toEqual({ DataType: "String", StringValue: "critical" });
    expect(input?.MessageAttributes?.workQueue).toEqual({ DataType: "String", StringValue: "SEC-PAYMENTS" });
  });

  it("stays under SNS's size limit, and says it cut, when an alert is huge", () => {
    const alert = buildAlert({
      stage: "failed",
      incident: anIncident(),
      summary: "many",
      done: Array.from({ length: 5000 }, (_, i) => ({
        name: "artifact",
        target: `a-${i}`,
        status: "ok" as const,
        detail: "x".repeat(400),
      })),
    });
    alert.text = alert.text + "y".repeat(300_000);

    const message = snsMessage(alert);

    expect(Buffer.byteLength(message)).toBeLessThan(256 * 1024);
    expect(JSON.parse(message).default).toContain("(cut: too long for one alert");
    expect(JSON.parse(JSON.parse(message).sqs).truncated).toBe(true);
  });

  it("drops nothing but empty attribute values", () => {
    const alert = buildAlert({ stage: "opened", incident: anIncident(), summary: "" });
    alert.attributes.extra = "";

    expect(Object.keys(snsAttributes(alert))).not.toContain("extra");
    expect(Object.keys(snsAttributes(alert))).toHaveLength(10);
  });
});

describe("notify", () => {
  it("names the deployment's evidence bucket and records the alert on the incident", async () => {
    // Arrange
    const store = new MemoryStore();
    const incident = anIncident();
    store.seed(incident);
    const sent: string[] = [];
    const alerter = {
      publish: async (a: { text: string }) => {
        sent.push(a.text);
        return { messageId: "m-9" };
      },
    };

    // Act
    await notify(
      { store, alerter: alerter as never, log: silentLog, evidenceBucket: "prod-evidence-bucket" },
      { stage: "evidence-preserved", incident, summary: "done" },
    );

    // Assert
    expect(sent[0]).toContain("s3://prod-evidence-bucket/incidents/ir-20260302-0a1b2c3d/");
    const alerts = (await store.get(incident.incidentId)).alerts;
    expect(alerts.at(-1)).toMatchObject({ stage: "evidence-preserved", messageId: "m-9" });
  });

  it("records on the timeline an alert it could not send, and throws", async () => {
    const store = new MemoryStore();
    const incident = anIncident();
    store.seed(incident);
    const alerter = { publish: async () => Promise.reject(new Error("SNS throttled")) };

    await expect(
      notify({ store, alerter, log: silentLog }, { stage: "contained", incident, summary: "x" }),
    ).rejects.toThrow("SNS throttled");
    const last = (await store.get(incident.incidentId)).timeline.at(-1);
    expect(last).toMatchObject({ step: "alert", status: "failed" });
    expect(last?.error).toContain("SNS throttled");
  });
});
