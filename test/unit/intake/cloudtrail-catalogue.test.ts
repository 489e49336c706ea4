/**
 * The risky-call catalogue as reviewed: every rule's id, event source, severity and title. A
 * change to the catalogue (a severity lowered, a call dropped, a title emptied) fails here and
 * must be made on purpose, in both places. The behaviour of each rule is tested in
 * cloudtrail-rules.test.ts and sharing-rules.test.ts.
 */
import { describe, expect, it } from "vitest";
import { RISKY_CALLS } from "../../../shared/intake/index.ts";

/** [id, eventSource, severity, title], in catalogue order (the first matching rule of a call wins). */
const REVIEWED: [string, string, number, string][] = [
  ["AuthorizeSecurityGroupIngress/OpenToWorld", "ec2.amazonaws.com", 7, "Admin port opened to the internet"],
  ["ModifySnapshotAttribute/Public", "ec2.amazonaws.com", 8, "EBS snapshot shared publicly"],
  ["ModifyImageAttribute/Public", "ec2.amazonaws.com", 7, "AMI shared publicly"],
  ["ModifyDBSnapshotAttribute/Public", "rds.amazonaws.com", 8, "RDS snapshot shared publicly"],
  ["ModifyDBClusterSnapshotAttribute/Public", "rds.amazonaws.com", 8, "RDS cluster snapshot shared publicly"],
  ["DisableEbsEncryptionByDefault", "ec2.amazonaws.com", 5, "EBS encryption by default disabled"],
  ["DeleteFlowLogs", "ec2.amazonaws.com", 6, "VPC flow logs deleted"],
  ["StopLogging", "cloudtrail.amazonaws.com", 8, "CloudTrail logging stopped"],
  ["DeleteTrail", "cloudtrail.amazonaws.com", 8, "CloudTrail trail deleted"],
  ["UpdateTrail/Weakened", "cloudtrail.amazonaws.com", 6, "CloudTrail trail weakened"],
  ["PutEventSelectors/Weakened", "cloudtrail.amazonaws.com", 6, "CloudTrail event selectors reduce logging"],
  ["DeleteDetector", "guardduty.amazonaws.com", 8, "GuardDuty detector deleted"],
  ["UpdateDetector/Disabled", "guardduty.amazonaws.com", 8, "GuardDuty detector disabled"],
  [
    "DisassociateFromMasterAccount",
    "guardduty.amazonaws.com",
    7,
    "GuardDuty member left its administrator account",
  ],
  [
    "DisassociateFromAdministratorAccount",
    "guardduty.amazonaws.com",
    7,
    "GuardDuty member left its administrator account",
  ],
  ["CreateFilter/AutoArchive", "guardduty.amazonaws.com", 6, "GuardDuty suppression rule created"],
  ["UpdateFilter/AutoArchive", "guardduty.amazonaws.com", 6, "GuardDuty suppression rule changed"],
  ["CreateIPSet", "guardduty.amazonaws.com", 5, "GuardDuty trusted IP list created"],
  ["DeleteConfigurationRecorder", "config.amazonaws.com", 7, "AWS Config recorder deleted"],
  ["StopConfigurationRecorder", "config.amazonaws.com", 7, "AWS Config recorder stopped"],
  ["DeleteDeliveryChannel", "config.amazonaws.com", 6, "AWS Config delivery channel deleted"],
  ["DisableSecurityHub", "securityhub.amazonaws.com", 7, "Security Hub disabled"],
  ["LeaveOrganization", "organizations.amazonaws.com", 8, "Account left its AWS Organization"],
  ["ScheduleKeyDeletion", "kms.amazonaws.com", 7, "KMS key scheduled for deletion"],
  ["PutBucketPolicy/Public", "s3.amazonaws.com", 8, "Bucket policy grants public access"],
  ["PutBucketAcl/Public", "s3.amazonaws.com", 8, "Bucket ACL grants public access"],
  ["DeletePublicAccessBlock", "s3.amazonaws.com", 6, "Bucket Block Public Access removed"],
  ["PutPublicAccessBlock/Disabled", "s3.amazonaws.com", 6, "Bucket Block Public Access turned off"],
  ["PutAccountPublicAccessBlock/Disabled", "s3.amazonaws.com", 8, "Account Block Public Access turned off"],
  ["DeleteAccountPublicAccessBlock", "s3.amazonaws.com", 8, "Account Block Public Access removed"],
  ["ConsoleLogin/Root", "signin.amazonaws.com", 9, "Root user signed in to the console"],
  ["ConsoleLogin/NoMFA", "signin.amazonaws.com", 5, "IAM user signed in to the console without MFA"],
  ["CreateAccessKey/Root", "iam.amazonaws.com", 9, "Access key created for the root user"],
  ["AttachUserPolicy/AdministratorAccess", "iam.amazonaws.com", 8, "AdministratorAccess attached to a user"],
  ["AttachRolePolicy/AdministratorAccess", "iam.amazonaws.com", 7, "AdministratorAccess attached to a role"],
  [
    "AttachGroupPolicy/AdministratorAccess",
    "iam.amazonaws.com",
    7,
    "AdministratorAccess attached to a group",
  ],
  ["PutUserPolicy/FullAdmin", "iam.amazonaws.com", 8, "Inline full-admin policy put on a user"],
  ["PutRolePolicy/FullAdmin", "iam.amazonaws.com", 7, "Inline full-admin policy put on a role"],
  ["PutGroupPolicy/FullAdmin", "iam.amazonaws.com", 7, "Inline full-admin policy put on a group"],
  ["UpdateAssumeRolePolicy/Public", "iam.amazonaws.com", 8, "Role trust policy lets anyone assume the role"],
  [
    "AttachUserPolicy/CompromisedKeyQuarantine",
    "iam.amazonaws.com",
    8,
    "AWS quarantine policy for a leaked access key attached to a user",
  ],
  [
    "PutUserPolicy/CompromisedKeyQuarantine",
    "iam.amazonaws.com",
    8,
    "AWS quarantine policy for a leaked access key put on a user",
  ],
  [
    "ModifySnapshotAttribute/SharedWithAccount",
    "ec2.amazonaws.com",
    7,
    "EBS snapshot shared with another account",
  ],
  ["ModifyImageAttribute/SharedWithAccount", "ec2.amazonaws.com", 6, "AMI shared with another account"],
  [
    "UpdateAssumeRolePolicy/OutsideAccount",
    "iam.amazonaws.com",
    7,
    "Role trust policy opened to another account",
  ],
  [
    "ModifyInstanceAttribute/UserData",
    "ec2.amazonaws.com",
    7,
    "Instance user data replaced: it runs at the next boot",
  ],
];

describe("the risky-call catalogue", () => {
  it("holds exactly the reviewed rules, in order, with their sources, severities and titles", () => {
    const catalogue = RISKY_CALLS.map((r) => [r.id, r.eventSource, r.severity, r.title]);

    expect(catalogue).toStrictEqual(REVIEWED);
  });

  it("names in each rule's event name the call its id starts with", () => {
    const names = RISKY_CALLS.map((r) => [r.id, r.eventName]);

    expect(names).toStrictEqual(REVIEWED.map(([id]) => [id, id.split("/")[0]]));
  });
});
