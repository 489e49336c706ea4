/**
 * Which function each event reaches, through the emulator's EventBridge with the rules built
 * from serverless.yml (cli/local/environment.ts) — the runner is not started: the test reads
 * the functions' queues itself. Every fixture under test/fixtures/events, and a few variants.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { createRoutes, type LocalResponder, provisionLocal } from "../../cli/local/environment.ts";
import { eventsClient, sqsClient } from "../../shared/aws/clients.ts";
import { APPROVAL_DETAIL_TYPE, APPROVAL_SOURCE, wrapDrill } from "../../shared/intake/index.ts";
import { resetEmulator, testAwsOptions } from "../support/emulator.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/events", import.meta.url));

type Event = Record<string, unknown>;

/** Every fixture, by `dir/name` (without `.json`). */
function fixtures(): Map<string, Event> {
  const out = new Map<string, Event>();
  for (const dir of readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of readdirSync(join(FIXTURES, dir.name))
      .filter((f) => f.endsWith(".json"))
      .sort()) {
      out.set(
        `${dir.name}/${file.replace(/\.json$/, "")}`,
        JSON.parse(readFileSync(join(FIXTURES, dir.name, file), "utf8")),
      );
    }
  }
  return out;
}

const withSeverity = (event: Event, severity: number): Event => ({
  ...event,
  detail: { ...(event.detail as Event), severity },
});

/** The cases: every fixture on the default bus, and variants that pin the patterns' edges. */
function cases(): { name: string; event: Event; bus: "default" | "responder" }[] {
  const all = fixtures();
  const ssh = all.get("guardduty/UnauthorizedAccess_EC2_SSHBruteForce") as Event;
  const approval = {
    source: APPROVAL_SOURCE,
    "detail-type": APPROVAL_DETAIL_TYPE,
    detail: { incidentId: "ir-20260301-0a1b2c3d", decision: "approved", by: "chatops:alice" },
  };
  const opened = (actions: string[]) => ({
    source: "incident-responder",
    "detail-type": "Incident Opened",
    detail: { incidentId: "ir-20260301-0a1b2c3d", actions, account: "123456789012" },
  });
  return [
    ...[...all].map(([name, event]) => ({ name, event, bus: "default" as const })),
    { name: "variant/SSHBruteForce severity 3.9", event: withSeverity(ssh, 3.9), bus: "default" },
    { name: "variant/SSHBruteForce severity 4", event: withSeverity(ssh, 4), bus: "default" },
    { name: "variant/SSHBruteForce severity 8", event: withSeverity(ssh, 8), bus: "default" },
    {
      name: "variant/drill of SSHBruteForce severity 2",
      event: wrapDrill(ssh, "ssh") as Event,
      bus: "default",
    },
    { name: "variant/approval decision on the responder bus", event: approval, bus: "responder" },
    { name: "variant/approval decision on the default bus", event: approval, bus: "default" },
    {
      name: "variant/Incident Opened (contain + evidence)",
      event: opened(["contain-instance", "capture-snapshots", "collect-artifacts"]),
      bus: "responder",
    },
    { name: "variant/Incident Opened (notify only)", event: opened(["notify"]), bus: "responder" },
  ];
}

/** Where each event arrived: function names, `(none)`, or `refused by PutEvents: <code>, <parameter>`. */
type Table = Record<string, string>;

/**
 * An entry PutEvents refused, in the table's words: its error code and the parameter its
 * message names ("Parameter Source is not valid. …", as AWS words it); the whole message when
 * it names none.
 */
function refusal(entry: { ErrorCode?: string; ErrorMessage?: string } | undefined): string {
  const parameter = /^Parameter (\w+) is not valid\b/.exec(entry?.ErrorMessage ?? "")?.[1];
  return `refused by PutEvents: ${entry?.ErrorCode}, ${parameter ?? entry?.ErrorMessage}`;
}

describe("EventBridge routing of serverless.yml's patterns (emulator)", () => {
  let local: LocalResponder;
  let table: Table;

  beforeAll(async () => {
    await resetEmulator();
    const aws = testAwsOptions();
    local = await provisionLocal(aws);
    const queues = await createRoutes(aws, local);
    const events = eventsClient(aws);
    const sqs = sqsClient(aws);
    const arrived = new Map<string, Set<string>>();
    table = {};

    // Each event carries a marker in `resources` (no pattern reads it) to find it again.
    const all = cases();
    for (const [i, c] of all.entries()) {
      const detail = c.event.detail === undefined ? undefined : JSON.stringify(c.event.detail);
      const out = await events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: c.bus === "default" ? "default" : local.resources.eventBusName,
              Source: c.event.source as string,
              DetailType: c.event["detail-type"] as string,
              Detail: detail,
              Resources: [`arn:aws:test:::case/${i}`],
            },
          ],
        }),
      );
      // A thrown error (the bus, the endpoint, the credentials) fails the set-up; an entry
      // PutEvents refused is recorded with its error code and the parameter it names.
      expect(out.Entries, c.name).toHaveLength(1);
      if (out.FailedEntryCount) table[c.name] = refusal(out.Entries?.[0]);
    }

    for (const [fn, routes] of queues) {
      const queueUrl = routes[0]?.queueUrl as string;
      for (;;) {
        const r = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        if (!r.Messages?.length) break;
        for (const m of r.Messages) {
          const marker = (JSON.parse(m.Body ?? "{}").resources as string[] | undefined)?.find((x) =>
            x.startsWith("arn:aws:test:::case/"),
          );
          const name = all[Number(marker?.split("/").pop())]?.name ?? `(unknown: ${marker})`;
          arrived.set(name, (arrived.get(name) ?? new Set()).add(fn));
        }
      }
    }
    for (const c of all) {
      table[c.name] ??= [...(arrived.get(c.name) ?? [])].sort().join(", ") || "(none)";
    }
    if (process.env.PRINT_ROUTING_TABLE) {
      console.log(
        [
          "| event | reaches |",
          "| --- | --- |",
          ...Object.entries(table).map(([k, v]) => `| ${k} | ${v} |`),
        ].join("\n"),
      );
    }
  }, 120_000);

  it("sends GuardDuty findings to triage only from the configured minimum severity (4)", () => {
    expect(table["guardduty/UnauthorizedAccess_EC2_SSHBruteForce"]).toBe("(none)"); // severity 2
    expect(table["variant/SSHBruteForce severity 3.9"]).toBe("(none)");
    expect(table["variant/SSHBruteForce severity 4"]).toBe("triage");
    expect(table["variant/SSHBruteForce severity 8"]).toBe("triage");
    expect(table["guardduty/Backdoor_EC2_C_CActivity.B_DNS"]).toBe("triage"); // severity 5
  });

  it("keeps Malware Protection scan results away from triage", () => {
    expect(table["guardduty/MalwareProtectionObjectScanResult_S3_OBJECT"]).toBe("(none)");
  });

  it("sends only the catalogue's CloudTrail calls, and root console sign-ins, to triage", () => {
    expect(table["cloudtrail/RunInstances"]).toBe("(none)");
    expect(table["cloudtrail/CreateSampleFindings_guardduty"]).toBe("(none)");
    expect(table["cloudtrail/StopLogging"]).toBe("triage");
    expect(table["cloudtrail/AuthorizeSecurityGroupIngress_0.0.0.0_0_port22"]).toBe("triage");
    expect(table["cloudtrail/ConsoleLogin_root_noMFA_success"]).toBe("triage");
  });

  it("sends Config compliance changes to triage only when NON_COMPLIANT", () => {
    expect(table["config/lambda-function-public-access-prohibited_COMPLIANT"]).toBe("(none)");
    expect(table["config/ConfigurationItemChange_EC2_Instance_CREATE"]).toBe("(none)");
    expect(table["config/volumes-prod-tags_EC2Volume_NON_COMPLIANT"]).toBe("triage");
  });

  it("sends imported Security Hub findings to triage, and nothing else of Security Hub", () => {
    expect(table["securityhub/CIS_1.3_AwsAccount_Imported"]).toBe("triage");
    expect(table["securityhub/GuardDuty_UnauthorizedAccess_EC2_SSHBruteForce_Imported"]).toBe("triage");
    expect(table["securityhub/InsightResults"]).toBe("(none)");
  });

  it("sends drills to triage whatever they wrap", () => {
    expect(table["variant/drill of SSHBruteForce severity 2"]).toBe("triage");
  });

  it("takes approval decisions from the responder's bus only", () => {
    expect(table["variant/approval decision on the responder bus"]).toBe("triage");
    expect(table["variant/approval decision on the default bus"]).toBe("(none)");
  });

  it("hands an opened incident's lanes to contain and evidence", () => {
    expect(table["variant/Incident Opened (contain + evidence)"]).toBe("contain, evidence");
    expect(table["variant/Incident Opened (notify only)"]).toBe("(none)");
  });

  it("routes every fixture as the patterns say", () => {
    expect(table).toEqual({
      "cloudtrail/AuthorizeSecurityGroupIngress_0.0.0.0_0_port22": "triage",
      "cloudtrail/ConsoleLogin_root_noMFA_success": "triage",
      "cloudtrail/CreateSampleFindings_guardduty": "(none)",
      "cloudtrail/PutBucketPolicy_nonpublic_vpce_deny": "triage",
      "cloudtrail/PutBucketPolicy_public": "triage",
      "cloudtrail/RunInstances": "(none)",
      "cloudtrail/StopLogging": "triage",
      "config/ConfigurationItemChange_EC2_Instance_CREATE": "(none)",
      "config/lambda-function-public-access-prohibited_COMPLIANT": "(none)",
      "config/volumes-prod-tags_EC2Volume_NON_COMPLIANT": "triage",
      "guardduty/Backdoor_EC2_C_CActivity.B_DNS": "triage",
      "guardduty/MalwareProtectionObjectScanResult_S3_OBJECT": "(none)",
      "guardduty/PenTest_S3_ParrotLinux": "triage",
      "guardduty/Stealth_IAMUser_LoggingConfigurationModified": "triage",
      "guardduty/UnauthorizedAccess_EC2_SSHBruteForce": "(none)",
      "guardduty/UnauthorizedAccess_IAMUser_InstanceCredentialExfiltration.OutsideAWS": "triage",
      "malformed/constructed_archived_finding": "(none)",
      "malformed/constructed_cloudtrail_requestParameters_null": "triage",
      "malformed/constructed_detail_is_json_string": "(none)",
      "malformed/constructed_detail_pascalcase_api_shape": "(none)",
      "malformed/constructed_empty_object": "refused by PutEvents: InvalidArgument, Source",
      "malformed/constructed_huge_strings": "(none)",
      "malformed/constructed_instanceId_injection_string": "(none)",
      "malformed/constructed_missing_detail": "refused by PutEvents: InvalidArgument, Detail",
      "malformed/constructed_securityhub_empty_findings": "triage",
      "malformed/constructed_severity_out_of_range": "triage",
      "malformed/constructed_unicode_control_chars": "(none)",
      "malformed/constructed_unknown_finding_type": "(none)",
      "securityhub/CIS_1.3_AwsAccount_Imported": "triage",
      "securityhub/GuardDuty_UnauthorizedAccess_EC2_SSHBruteForce_Imported": "triage",
      "securityhub/InsightResults": "(none)",
      "variant/SSHBruteForce severity 3.9": "(none)",
      "variant/SSHBruteForce severity 4": "triage",
      "variant/SSHBruteForce severity 8": "triage",
      "variant/drill of SSHBruteForce severity 2": "triage",
      "variant/approval decision on the responder bus": "triage",
      "variant/approval decision on the default bus": "(none)",
      "variant/Incident Opened (contain + evidence)": "contain, evidence",
      "variant/Incident Opened (notify only)": "(none)",
    });
  });
});
