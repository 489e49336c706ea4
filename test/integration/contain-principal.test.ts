// biome-ignore-all lint/suspicious/noExplicitAny: GuardDuty fixtures and read-back policies are untyped JSON
/**
 * contain-principal and contain-bucket end to end in the local responder (real-format GuardDuty
 * findings from test/fixtures/events/guardduty): an IAM user finding sets the named key
 * Inactive and attaches the incident's deny policy, the evidence lane archives the user's state
 * before containment (principal-state artifact, hashed in the manifest), release restores both; a protected user is
 * left alone with a `protected` alert; an S3 exposure finding waits for approval, then blocks
 * public access and denies the finding's principal, and release restores the bucket.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetUserPolicyCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListUserPoliciesCommand,
  TagUserCommand,
} from "@aws-sdk/client-iam";
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainAlerts, putEvent, type ReceivedAlert, subscribeAlerts } from "../../cli/drill/run.ts";
import { type LocalSession, startLocalSession } from "../../cli/local/session.ts";
import { SnsAlerter } from "../../shared/alerts/publisher.ts";
import {
  dynamoDocClient,
  eventsClient,
  iamClient,
  s3Client,
  snsClient,
  sqsClient,
} from "../../shared/aws/clients.ts";
import { EventBridgePublisher } from "../../shared/events/bus.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { DynamoIncidentStore } from "../../shared/incident/store.ts";
import { decide } from "../../shared/workflow/approval.ts";
import { releaseIncident } from "../../shared/workflow/release.ts";
import { resetEmulator } from "../support/emulator.ts";
import { waitFor } from "../support/findings.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "events", "guardduty");
const quiet = { info() {}, warn() {}, error() {} };

/** A GuardDuty fixture made live: this account, a fresh id, not a sample, not archived. */
function finding(
  file: string,
  account: string,
  region: string,
  patch: (detail: Record<string, any>) => void,
) {
  const event = JSON.parse(readFileSync(join(FIXTURES, file), "utf8"));
  event.account = account;
  event.region = region;
  const d = event.detail;
  d.accountId = account;
  d.region = region;
  d.id = `${Date.now().toString(16)}${Math.random().toString(16).slice(2, 10)}`;
  d.severity = 8;
  d.service.archived = false;
  d.service.additionalInfo = { ...(d.service.additionalInfo ?? {}), sample: false };
  patch(d);
  return event;
}

describe("principal and bucket containment (local responder)", () => {
  let session: LocalSession;
  let iam: IAMClient;
  let s3: S3Client;
  let store: DynamoIncidentStore;
  let alertQueue: string;
  const alerts: ReceivedAlert[] = [];
  const account = () => session.local.context.accountId;

  const deps = () => ({
    store,
    alerter: new SnsAlerter(snsClient(session.aws), session.local.resources.alertTopicArn),
    bus: new EventBridgePublisher(eventsClient(session.aws), session.local.resources.eventBusName),
    log: quiet,
  });

  async function incidentOf(event: Record<string, any>): Promise<string> {
    await putEvent(eventsClient(session.aws), event);
    return (await waitFor(
      () => store.incidentOfFinding(account(), "guardduty", String(event.detail.id)),
      (v) => v !== undefined,
    )) as string;
  }

  const settledStep = (id: string, step: string) =>
    waitFor(
      () => store.get(id),
      (i: IncidentRecord) =>
        ["verified", "partial", "failed", "skipped"].includes(i.steps[step]?.status ?? ""),
      45_000,
    );

  const release = (incidentId: string) =>
    releaseIncident(
      incidentId,
      { force: false, dryRun: false, by: "test" },
      {
        ...deps(),
        clientsFor: async () => {
          throw new Error("no instance to release");
        },
        isolationProfileFor: async () => undefined,
        principalClientsFor: async () => ({ iam, s3 }),
      },
    );

  const keysOf = async (user: string) =>
    Object.fromEntries(
      ((await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? []).map((k) => [
        k.AccessKeyId,
        k.Status,
      ]),
    );

  beforeAll(async () => {
    await resetEmulator();
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    session = await startLocalSession({ maxAttempts: 2 });
    iam = iamClient(session.aws);
    s3 = s3Client(session.aws);
    store = new DynamoIncidentStore(dynamoDocClient(session.aws), session.local.resources.incidentTable);
    alertQueue = await subscribeAlerts(
      { sqs: sqsClient(session.aws), sns: snsClient(session.aws) },
      session.local.resources.alertTopicArn,
      "principal-alerts",
    );
  }, 300_000);

  afterAll(async () => {
    await session?.stop();
  });

  describe("an IAM user finding", () => {
    let incident: IncidentRecord;
    let stolen: string;
    let other: string;

    beforeAll(async () => {
      await iam.send(new CreateUserCommand({ UserName: "alice" }));
      stolen =
        (await iam.send(new CreateAccessKeyCommand({ UserName: "alice" }))).AccessKey?.AccessKeyId ?? "";
      other =
        (await iam.send(new CreateAccessKeyCommand({ UserName: "alice" }))).AccessKey?.AccessKeyId ?? "";
      const event = finding(
        "Stealth_IAMUser_LoggingConfigurationModified.json",
        account(),
        session.aws.region,
        (d) => {
          d.type = "UnauthorizedAccess:IAMUser/TorIPCaller";
          d.resource.accessKeyDetails = {
            accessKeyId: stolen,
            principalId: "AIDAEXAMPLE",
            userType: "IAMUser",
            userName: "alice",
          };
        },
      );
      incident = await settledStep(await incidentOf(event), "contain-principal");
    }, 90_000);

    it("sets the named key Inactive, leaves the other, and attaches the deny policy, verified", async () => {
      expect(incident.plan.playbook).toBe("guardduty-iam-high");
      expect(incident.steps["contain-principal"]?.status).toBe("verified");
      // Reads (7, then last use of each of the 2 keys), changes (1 key, the policy), read-back (2).
      expect(incident.steps["contain-principal"]?.detail).toBe("user/alice: verified in 4 rounds, 13 calls");
      expect(await keysOf("alice")).toEqual({ [stolen]: "Inactive", [other]: "Active" });
      const policy = await iam.send(
        new GetUserPolicyCommand({
          UserName: "alice",
          PolicyName: `incident-responder-deny-${incident.incidentId}`,
        }),
      );
      expect(decodeURIComponent(policy.PolicyDocument ?? "")).toContain('"Effect":"Deny"');
    });

    it("records the user's state before containment: both keys, policies and groups", () => {
      const rec = (incident as any).principalContainment.principals["user/alice"];

      expect(rec.deactivatedKeys).toEqual([stolen]);
      expect(rec.before.keys.map((k: any) => [k.accessKeyId, k.status]).sort()).toEqual(
        [
          [stolen, "Active"],
          [other, "Active"],
        ].sort(),
      );
      expect(rec.before).toMatchObject({ attachedPolicies: [], inlinePolicies: [], groups: [] });
    });

    it("archives the user's state as an artifact, hashed in the manifest: both keys Active before containment", async () => {
      const sealed = await waitFor(
        () => store.get(incident.incidentId),
        (i: IncidentRecord) => i.steps.manifest?.status === "ok",
        45_000,
      );
      const bucket = session.local.resources.evidenceBucket;
      const read = async (key: string) =>
        (await (
          await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
        ).Body?.transformToString()) ?? "";
      const manifest = JSON.parse(await read(sealed.evidence?.manifestKey ?? ""));
      const listed = manifest.artifacts.find((a: any) => a.name === "principal-state-user-alice.json");
      const body = await read(listed.key);
      const content = JSON.parse(body);

      expect(sealed.plan.actions.map((a) => a.name)).toContain("collect-artifacts");
      expect(listed.sha256).toBe(createHash("sha256").update(body).digest("hex"));
      expect(content.principal).toEqual({
        kind: "user",
        name: "alice",
        account: account(),
        arn: `arn:aws:iam::${account()}:user/alice`,
      });
      expect(content.beforeContainment.state.keys.map((k: any) => [k.accessKeyId, k.status]).sort()).toEqual(
        [
          [stolen, "Active"],
          [other, "Active"],
        ].sort(),
      );
    });

    it("is undone by release: the key Active again, the policy gone", async () => {
      const outcomes = await release(incident.incidentId);

      expect(outcomes.map((o) => [o.instanceId, o.status])).toEqual([["user/alice", "released"]]);
      expect(await keysOf("alice")).toEqual({ [stolen]: "Active", [other]: "Active" });
      expect((await iam.send(new ListUserPoliciesCommand({ UserName: "alice" }))).PolicyNames).toEqual([]);
    });
  });

  describe("a protected user", () => {
    let incident: IncidentRecord;
    let key: string;

    beforeAll(async () => {
      await iam.send(new CreateUserCommand({ UserName: "break-glass-bob" }));
      await iam.send(
        new TagUserCommand({
          UserName: "break-glass-bob",
          Tags: [{ Key: "incident-responder:protected", Value: "TRUE" }],
        }),
      );
      key =
        (await iam.send(new CreateAccessKeyCommand({ UserName: "break-glass-bob" }))).AccessKey
          ?.AccessKeyId ?? "";
      const event = finding(
        "Stealth_IAMUser_LoggingConfigurationModified.json",
        account(),
        session.aws.region,
        (d) => {
          d.type = "UnauthorizedAccess:IAMUser/TorIPCaller";
          d.resource.accessKeyDetails = {
            accessKeyId: key,
            principalId: "AIDAEXAMPLE2",
            userType: "IAMUser",
            userName: "break-glass-bob",
          };
        },
      );
      incident = await settledStep(await incidentOf(event), "contain-principal");
      await session.runner.idle(500, 30_000);
      alerts.push(...(await drainAlerts(sqsClient(session.aws), alertQueue)));
    }, 90_000);

    it("is left alone: key Active, no policy, the step says why", async () => {
      expect(await keysOf("break-glass-bob")).toEqual({ [key]: "Active" });
      expect(
        (await iam.send(new ListUserPoliciesCommand({ UserName: "break-glass-bob" }))).PolicyNames,
      ).toEqual([]);
      expect(incident.steps["contain-principal"]?.status).toBe("skipped");
      expect(incident.steps["contain-principal"]?.detail).toContain(
        "protected (tag incident-responder:protected=true)",
      );
    });

    it("sends a protected alert that says so", () => {
      const mine = alerts.filter((a) => a.incidentId === incident.incidentId);

      expect(mine.map((a) => a.stage)).toContain("protected");
      expect(JSON.stringify(mine.find((a) => a.stage === "protected"))).toContain("NOT contained");
    });
  });

  describe("an S3 exposure finding", () => {
    const bucket = "exposed-data-bucket";
    const open = {
      BlockPublicAcls: false,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    };
    const ownPolicy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Owner",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: "s3:GetObject",
          Resource: `arn:aws:s3:::${bucket}/*`,
        },
      ],
    });
    let waiting: IncidentRecord;
    let after: IncidentRecord;

    beforeAll(async () => {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(
        new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: open }),
      );
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: ownPolicy }));
      const event = finding("PenTest_S3_ParrotLinux.json", account(), session.aws.region, (d) => {
        d.type = "Policy:S3/BucketAnonymousAccessGranted";
        d.resource.s3BucketDetails[0].name = bucket;
        d.resource.s3BucketDetails[0].arn = `arn:aws:s3:::${bucket}`;
        d.resource.accessKeyDetails = {
          accessKeyId: "AKIAIOSFODNN7EXAMPLE",
          principalId: "AIDAEXAMPLE3",
          userType: "IAMUser",
          userName: "mallory",
        };
        delete d.resource.instanceDetails;
      });
      const id = await incidentOf(event);
      await session.runner.idle(500, 30_000);
      waiting = await store.get(id);
      await decide({ incidentId: id, decision: "approved", by: "test-approver" }, deps());
      after = await settledStep(id, "contain-bucket");
    }, 120_000);

    it("waits for approval first: nothing changed on the bucket", () => {
      expect(waiting.plan.playbook).toBe("guardduty-s3-exposure");
      expect(waiting.plan.actions.find((a) => a.name === "contain-bucket")?.requiresApproval).toBe(true);
      expect(waiting.steps["contain-bucket"]).toBeUndefined();
    });

    it("once approved, blocks public access and denies the finding's principal, verified", async () => {
      expect(after.steps["contain-bucket"]?.status).toBe("verified");
      const bpa = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
      expect(bpa.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      });
      const policy = JSON.parse(
        (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? "{}",
      );
      expect(policy.Statement.map((s: any) => s.Sid)).toEqual([
        "Owner",
        expect.stringMatching(/^IncidentResponder.+Deny$/),
      ]);
      expect(policy.Statement[1].Condition.ArnEquals["aws:PrincipalArn"]).toBe(
        `arn:aws:iam::${account()}:user/mallory`,
      );
    });

    it("is undone by release: the recorded Block Public Access and policy back", async () => {
      const outcomes = await release(after.incidentId);

      expect(outcomes.map((o) => [o.instanceId, o.status])).toEqual([[`bucket/${bucket}`, "released"]]);
      const bpa = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
      expect(bpa.PublicAccessBlockConfiguration).toEqual(open);
      const policy = JSON.parse(
        (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? "{}",
      );
      expect(policy.Statement.map((s: any) => s.Sid)).toEqual(["Owner"]);
    });
  });
});
