/**
 * The risky-call catalogue: one risky example per rule (and a harmless twin where the rule
 * has a predicate), plus invariants the deployment relies on.
 */
import { describe, expect, it } from "vitest";
import type { ResourceKind } from "../../../shared/domain/types.ts";
import { eventBridgeSourceOf, RISKY_CALLS, riskyEventNamesBySource } from "../../../shared/intake/index.ts";
import { cloudTrailCall, expectFinding, expectIgnored, ROOT_IDENTITY } from "./helpers.ts";

interface Case {
  source: string;
  name: string;
  params: Record<string, unknown> | null;
  overrides?: Record<string, unknown>;
  /** The resources the rule names (the caller, user alice unless overridden, comes after). */
  resources: [ResourceKind, string][];
  /** Same call, harmless. */
  harmless?: { params: Record<string, unknown> | null; overrides?: Record<string, unknown> };
}

const ACCOUNT: [ResourceKind, string] = ["aws-account", "123456789012"];
const ingress = (port: number, cidr: string) => ({
  groupId: "sg-0123456789abcdef0",
  ipPermissions: {
    items: [{ ipProtocol: "tcp", fromPort: port, toPort: port, ipRanges: { items: [{ cidrIp: cidr }] } }],
  },
});
const adminDoc = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});
const readDoc = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
});
const trustDoc = (principal: unknown) =>
  JSON.stringify({ Statement: [{ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole" }] });
const bpa = (value: boolean) => ({
  BlockPublicAcls: value,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
});
const signin = (type: string, mfa: string, outcome = "Success") => ({
  userIdentity:
    type === "Root"
      ? ROOT_IDENTITY
      : { type, userName: "alice", accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/alice" },
  responseElements: { ConsoleLogin: outcome },
  additionalEventData: { MFAUsed: mfa },
});

const CASES: Record<string, Case> = {
  "AuthorizeSecurityGroupIngress/OpenToWorld": {
    source: "ec2.amazonaws.com",
    name: "AuthorizeSecurityGroupIngress",
    params: ingress(22, "0.0.0.0/0"),
    resources: [["security-group", "sg-0123456789abcdef0"]],
    harmless: { params: ingress(443, "0.0.0.0/0") },
  },
  "ModifySnapshotAttribute/Public": {
    source: "ec2.amazonaws.com",
    name: "ModifySnapshotAttribute",
    params: {
      snapshotId: "snap-0123456789abcdef0",
      createVolumePermission: { add: { items: [{ group: "all" }] } },
    },
    resources: [["ec2-snapshot", "snap-0123456789abcdef0"]],
    harmless: {
      params: {
        snapshotId: "snap-0123456789abcdef0",
        createVolumePermission: { add: { items: [{ userId: "111122223333" }] } },
      },
    },
  },
  "ModifyImageAttribute/Public": {
    source: "ec2.amazonaws.com",
    name: "ModifyImageAttribute",
    params: { imageId: "ami-0123456789abcdef0", launchPermission: { add: { items: [{ group: "all" }] } } },
    resources: [["ec2-image", "ami-0123456789abcdef0"]],
    harmless: {
      params: {
        imageId: "ami-0123456789abcdef0",
        launchPermission: { remove: { items: [{ group: "all" }] } },
      },
    },
  },
  "ModifyDBSnapshotAttribute/Public": {
    source: "rds.amazonaws.com",
    name: "ModifyDBSnapshotAttribute",
    params: { dBSnapshotIdentifier: "prod-snap", attributeName: "restore", valuesToAdd: ["all"] },
    resources: [["other", "prod-snap"]],
    harmless: {
      params: { dBSnapshotIdentifier: "prod-snap", attributeName: "restore", valuesToAdd: ["111122223333"] },
    },
  },
  "ModifyDBClusterSnapshotAttribute/Public": {
    source: "rds.amazonaws.com",
    name: "ModifyDBClusterSnapshotAttribute",
    params: {
      dBClusterSnapshotIdentifier: "prod-cluster-snap",
      attributeName: "restore",
      valuesToAdd: ["all"],
    },
    resources: [["other", "prod-cluster-snap"]],
    harmless: {
      params: {
        dBClusterSnapshotIdentifier: "prod-cluster-snap",
        attributeName: "restore",
        valuesToRemove: ["all"],
      },
    },
  },
  DisableEbsEncryptionByDefault: {
    source: "ec2.amazonaws.com",
    name: "DisableEbsEncryptionByDefault",
    params: null,
    resources: [ACCOUNT],
  },
  DeleteFlowLogs: {
    source: "ec2.amazonaws.com",
    name: "DeleteFlowLogs",
    params: { DeleteFlowLogsRequest: { FlowLogId: { tag: 1, content: "fl-0123456789abcdef0" } } },
    resources: [ACCOUNT, ["other", "fl-0123456789abcdef0"]],
  },
  StopLogging: {
    source: "cloudtrail.amazonaws.com",
    name: "StopLogging",
    params: { name: "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail" },
    resources: [["cloudtrail-trail", "org-trail"]],
  },
  DeleteTrail: {
    source: "cloudtrail.amazonaws.com",
    name: "DeleteTrail",
    params: { name: "org-trail" },
    resources: [["cloudtrail-trail", "org-trail"]],
  },
  "UpdateTrail/Weakened": {
    source: "cloudtrail.amazonaws.com",
    name: "UpdateTrail",
    params: { name: "org-trail", isMultiRegionTrail: false },
    resources: [["cloudtrail-trail", "org-trail"]],
    harmless: { params: { name: "org-trail", snsTopicName: "trail-topic" } },
  },
  "PutEventSelectors/Weakened": {
    source: "cloudtrail.amazonaws.com",
    name: "PutEventSelectors",
    params: {
      trailName: "org-trail",
      eventSelectors: [{ readWriteType: "ReadOnly", includeManagementEvents: true }],
    },
    resources: [["cloudtrail-trail", "org-trail"]],
    harmless: {
      params: {
        trailName: "org-trail",
        eventSelectors: [{ readWriteType: "All", includeManagementEvents: true, dataResources: [] }],
      },
    },
  },
  DeleteDetector: {
    source: "guardduty.amazonaws.com",
    name: "DeleteDetector",
    params: { detectorId: "12abc34d567e8fa901bc2d34e56789f0" },
    resources: [ACCOUNT],
  },
  "UpdateDetector/Disabled": {
    source: "guardduty.amazonaws.com",
    name: "UpdateDetector",
    params: { detectorId: "12abc34d567e8fa901bc2d34e56789f0", enable: false },
    resources: [ACCOUNT],
    harmless: {
      params: {
        detectorId: "12abc34d567e8fa901bc2d34e56789f0",
        findingPublishingFrequency: "FIFTEEN_MINUTES",
      },
    },
  },
  DisassociateFromMasterAccount: {
    source: "guardduty.amazonaws.com",
    name: "DisassociateFromMasterAccount",
    params: { detectorId: "12abc34d567e8fa901bc2d34e56789f0" },
    resources: [ACCOUNT],
  },
  DisassociateFromAdministratorAccount: {
    source: "guardduty.amazonaws.com",
    name: "DisassociateFromAdministratorAccount",
    params: { detectorId: "12abc34d567e8fa901bc2d34e56789f0" },
    resources: [ACCOUNT],
  },
  "CreateFilter/AutoArchive": {
    source: "guardduty.amazonaws.com",
    name: "CreateFilter",
    params: { name: "hide-everything", action: "ARCHIVE", findingCriteria: {} },
    resources: [ACCOUNT],
    harmless: { params: { name: "noop", action: "NOOP", findingCriteria: {} } },
  },
  "UpdateFilter/AutoArchive": {
    source: "guardduty.amazonaws.com",
    name: "UpdateFilter",
    params: { filterName: "hide-everything", action: "ARCHIVE" },
    resources: [ACCOUNT],
    harmless: { params: { filterName: "hide-everything", action: "NOOP" } },
  },
  CreateIPSet: {
    source: "guardduty.amazonaws.com",
    name: "CreateIPSet",
    params: { name: "trusted", format: "TXT", location: "s3://b/ips.txt", activate: true },
    resources: [ACCOUNT],
  },
  DeleteConfigurationRecorder: {
    source: "config.amazonaws.com",
    name: "DeleteConfigurationRecorder",
    params: { configurationRecorderName: "default" },
    resources: [ACCOUNT],
  },
  StopConfigurationRecorder: {
    source: "config.amazonaws.com",
    name: "StopConfigurationRecorder",
    params: { configurationRecorderName: "default" },
    resources: [ACCOUNT],
  },
  DeleteDeliveryChannel: {
    source: "config.amazonaws.com",
    name: "DeleteDeliveryChannel",
    params: { deliveryChannelName: "default" },
    resources: [ACCOUNT],
  },
  DisableSecurityHub: {
    source: "securityhub.amazonaws.com",
    name: "DisableSecurityHub",
    params: null,
    resources: [ACCOUNT],
  },
  LeaveOrganization: {
    source: "organizations.amazonaws.com",
    name: "LeaveOrganization",
    params: null,
    resources: [ACCOUNT],
  },
  ScheduleKeyDeletion: {
    source: "kms.amazonaws.com",
    name: "ScheduleKeyDeletion",
    params: { keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", pendingWindowInDays: 7 },
    resources: [["other", "1234abcd-12ab-34cd-56ef-1234567890ab"]],
  },
  "PutBucketPolicy/Public": {
    source: "s3.amazonaws.com",
    name: "PutBucketPolicy",
    params: {
      bucketName: "data-bucket",
      bucketPolicy: {
        Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: "*" }],
      },
    },
    resources: [["s3-bucket", "data-bucket"]],
    harmless: {
      params: {
        bucketName: "data-bucket",
        bucketPolicy: {
          Statement: [
            {
              Effect: "Allow",
              Principal: "*",
              Action: "s3:GetObject",
              Resource: "*",
              Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } },
            },
          ],
        },
      },
    },
  },
  "PutBucketAcl/Public": {
    source: "s3.amazonaws.com",
    name: "PutBucketAcl",
    params: {
      bucketName: "data-bucket",
      AccessControlPolicy: {
        AccessControlList: {
          Grant: [
            {
              Grantee: { "xsi:type": "Group", URI: "http://acs.amazonaws.com/groups/global/AllUsers" },
              Permission: "READ",
            },
          ],
        },
      },
      acl: [""],
    },
    resources: [["s3-bucket", "data-bucket"]],
    harmless: {
      params: {
        bucketName: "data-bucket",
        AccessControlPolicy: {
          AccessControlList: {
            Grant: { Grantee: { "xsi:type": "CanonicalUser", ID: "abc" }, Permission: "FULL_CONTROL" },
          },
        },
      },
    },
  },
  DeletePublicAccessBlock: {
    source: "s3.amazonaws.com",
    name: "DeletePublicAccessBlock",
    params: { bucketName: "data-bucket", publicAccessBlock: [""] },
    resources: [["s3-bucket", "data-bucket"]],
  },
  "PutPublicAccessBlock/Disabled": {
    source: "s3.amazonaws.com",
    name: "PutPublicAccessBlock",
    params: { bucketName: "data-bucket", PublicAccessBlockConfiguration: bpa(false) },
    resources: [["s3-bucket", "data-bucket"]],
    harmless: { params: { bucketName: "data-bucket", PublicAccessBlockConfiguration: bpa(true) } },
  },
  "PutAccountPublicAccessBlock/Disabled": {
    source: "s3.amazonaws.com",
    name: "PutAccountPublicAccessBlock",
    params: { PublicAccessBlockConfiguration: { BlockPublicAcls: true } },
    resources: [ACCOUNT],
    harmless: { params: { PublicAccessBlockConfiguration: bpa(true) } },
  },
  DeleteAccountPublicAccessBlock: {
    source: "s3.amazonaws.com",
    name: "DeleteAccountPublicAccessBlock",
    params: null,
    resources: [ACCOUNT],
  },
  "ConsoleLogin/Root": {
    source: "signin.amazonaws.com",
    name: "ConsoleLogin",
    params: null,
    overrides: signin("Root", "Yes"),
    resources: [ACCOUNT],
    harmless: { params: null, overrides: signin("Root", "No", "Failure") },
  },
  "ConsoleLogin/NoMFA": {
    source: "signin.amazonaws.com",
    name: "ConsoleLogin",
    params: null,
    overrides: signin("IAMUser", "No"),
    resources: [],
    harmless: { params: null, overrides: signin("AssumedRole", "No") },
  },
  "CreateAccessKey/Root": {
    source: "iam.amazonaws.com",
    name: "CreateAccessKey",
    params: null,
    overrides: { userIdentity: ROOT_IDENTITY },
    resources: [ACCOUNT],
    harmless: { params: { userName: "bob" } },
  },
  "AttachUserPolicy/AdministratorAccess": {
    source: "iam.amazonaws.com",
    name: "AttachUserPolicy",
    params: { userName: "bob", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
    resources: [["iam-user", "bob"]],
    harmless: { params: { userName: "bob", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" } },
  },
  "AttachUserPolicy/AWSCompromisedKeyQuarantine": {
    source: "iam.amazonaws.com",
    name: "AttachUserPolicy",
    params: { userName: "bob", policyArn: "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2" },
    resources: [["iam-user", "bob"]],
    harmless: {
      params: {
        userName: "bob",
        policyArn: "arn:aws:iam::123456789012:policy/AWSCompromisedKeyQuarantineV2",
      },
    },
  },
  "AttachRolePolicy/AdministratorAccess": {
    source: "iam.amazonaws.com",
    name: "AttachRolePolicy",
    params: { roleName: "app", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
    resources: [["iam-role", "app"]],
    harmless: {
      params: { roleName: "app", policyArn: "arn:aws:iam::123456789012:policy/AdministratorAccess" },
    },
  },
  "AttachGroupPolicy/AdministratorAccess": {
    source: "iam.amazonaws.com",
    name: "AttachGroupPolicy",
    params: { groupName: "ops", policyArn: "arn:aws-us-gov:iam::aws:policy/AdministratorAccess" },
    resources: [["other", "ops"]],
    harmless: {
      params: { groupName: "ops", policyArn: "arn:aws:iam::aws:policy/AdministratorAccessAmplify" },
    },
  },
  "PutUserPolicy/FullAdmin": {
    source: "iam.amazonaws.com",
    name: "PutUserPolicy",
    params: { userName: "bob", policyName: "p", policyDocument: adminDoc },
    resources: [["iam-user", "bob"]],
    harmless: { params: { userName: "bob", policyName: "p", policyDocument: readDoc } },
  },
  "PutRolePolicy/FullAdmin": {
    source: "iam.amazonaws.com",
    name: "PutRolePolicy",
    params: { roleName: "app", policyName: "p", policyDocument: encodeURIComponent(adminDoc) },
    resources: [["iam-role", "app"]],
    harmless: { params: { roleName: "app", policyName: "p", policyDocument: readDoc } },
  },
  "PutGroupPolicy/FullAdmin": {
    source: "iam.amazonaws.com",
    name: "PutGroupPolicy",
    params: { groupName: "ops", policyName: "p", policyDocument: JSON.parse(adminDoc) },
    resources: [["other", "ops"]],
    harmless: { params: { groupName: "ops", policyName: "p", policyDocument: readDoc } },
  },
  "UpdateAssumeRolePolicy/Public": {
    source: "iam.amazonaws.com",
    name: "UpdateAssumeRolePolicy",
    params: { roleName: "app", policyDocument: trustDoc({ AWS: "*" }) },
    resources: [["iam-role", "app"]],
    harmless: {
      params: { roleName: "app", policyDocument: trustDoc({ AWS: "arn:aws:iam::111122223333:root" }) },
    },
  },
};

const CALLER: [ResourceKind, string][] = [
  ["iam-user", "alice"],
  ["iam-access-key", "AKIAEXAMPLEEXAMPLE01"],
];

describe("RISKY_CALLS", () => {
  it("has a test case for every rule", () => {
    // Arrange
    const ids = RISKY_CALLS.map((r) => r.id);

    // Act
    const untested = ids.filter((id) => !(id in CASES));

    // Assert
    expect(untested).toEqual([]);
  });

  it("has unique ids that start with the event name, and severities within 0–10", () => {
    // Arrange
    const ids = RISKY_CALLS.map((r) => r.id);

    // Act + Assert
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RISKY_CALLS) {
      expect(rule.id === rule.eventName || rule.id.startsWith(`${rule.eventName}/`)).toBe(true);
      expect(rule.severity).toBeGreaterThanOrEqual(0);
      expect(rule.severity).toBeLessThanOrEqual(10);
      expect(rule.eventSource).toMatch(/^[a-z0-9-]+\.amazonaws\.com$/);
      expect(rule.title.length).toBeGreaterThan(0);
    }
  });

  describe.each(Object.entries(CASES))("%s", (id, c) => {
    it("turns the risky call into a finding of its type, severity and resources", () => {
      // Arrange
      const rule = RISKY_CALLS.find((r) => r.id === id)!;
      const event = cloudTrailCall(c.source, c.name, c.params, c.overrides);

      // Act
      const finding = expectFinding(event);

      // Assert
      expect(finding.type).toBe(`cloudtrail:${id}`);
      expect(finding.severity).toBe(rule.severity);
      expect(finding.title.startsWith(rule.title)).toBe(true);
      const named = finding.resources.map((r) => [r.kind, r.id]);
      expect(named.slice(0, c.resources.length)).toEqual(c.resources);
      if (!c.overrides?.userIdentity) expect(named).toEqual(expect.arrayContaining(CALLER));
    });

    if (!c.harmless) return;
    const h = c.harmless;
    it("ignores the harmless twin as not risky", () => {
      // Arrange
      const event = cloudTrailCall(c.source, c.name, h.params, { ...c.overrides, ...h.overrides });

      // Act
      const result = expectIgnored(event);

      // Assert
      expect(result.reason).toContain("not risky");
    });
  });
});

describe("riskyEventNamesBySource", () => {
  it("groups event names by EventBridge source, sorted and unique", () => {
    // Act
    const bySource = riskyEventNamesBySource();

    // Assert
    expect(bySource["aws.ec2"]).toEqual(
      expect.arrayContaining(["AuthorizeSecurityGroupIngress", "DeleteFlowLogs", "ModifySnapshotAttribute"]),
    );
    expect(bySource["aws.signin"]).toEqual(["ConsoleLogin"]);
    expect(bySource["aws.cloudtrail"]).toEqual([
      "DeleteTrail",
      "PutEventSelectors",
      "StopLogging",
      "UpdateTrail",
    ]);
    for (const names of Object.values(bySource)) expect(names).toEqual([...new Set(names)].sort());
    const total = Object.values(bySource).reduce((n, names) => n + names.length, 0);
    expect(total).toBe(new Set(RISKY_CALLS.map((r) => `${r.eventSource} ${r.eventName}`)).size);
  });

  it("maps eventSource endpoints to EventBridge sources", () => {
    // Act + Assert
    expect(eventBridgeSourceOf("ec2.amazonaws.com")).toBe("aws.ec2");
    expect(eventBridgeSourceOf("signin.amazonaws.com")).toBe("aws.signin");
  });
});
