/**
 * The network, snapshot, flow-log and S3 rules of the risky-call catalogue, field by field: the
 * exact title (rule title, detail, caller) and resources each risky call becomes, and the edge
 * cases of their predicates (canned ACLs, Block Public Access flags as strings, security groups
 * named by name, flow log ids among other strings).
 */
import { describe, expect, it } from "vitest";
import type { AffectedResource } from "../../../shared/domain/types.ts";
import { cloudTrailCall, expectFinding, expectIgnored, expectInvalid } from "./helpers.ts";

const ACCOUNT = "123456789012";
const WHERE = { account: ACCOUNT, region: "eu-west-1" } as const;
const CALLER: AffectedResource[] = [
  { kind: "iam-user", id: "alice", arn: "arn:aws:iam::123456789012:user/alice", account: ACCOUNT },
  { kind: "iam-access-key", id: "AKIAEXAMPLEEXAMPLE01", account: ACCOUNT },
];
const DATA_BUCKET: AffectedResource = {
  kind: "s3-bucket",
  id: "data-bucket",
  arn: "arn:aws:s3:::data-bucket",
  ...WHERE,
};

/** The title and resources of a finding, the parts these rules decide. */
const titleAndResources = (event: unknown) => {
  const { title, resources } = expectFinding(event);
  return { title, resources };
};

/** A DeleteFlowLogs call for `ids`, in the shape CloudTrail records it. */
const deleteFlowLogs = (ids: unknown[]) =>
  cloudTrailCall("ec2.amazonaws.com", "DeleteFlowLogs", {
    DeleteFlowLogsRequest: { FlowLogId: ids.map((content, tag) => ({ tag: tag + 1, content })) },
  });

describe("AuthorizeSecurityGroupIngress by group id or name", () => {
  it("names the group by its id as a security group, and each open rule once, in the title", () => {
    // Arrange
    const event = cloudTrailCall("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", {
      groupId: "sg-0123456789abcdef0",
      groupName: "web",
      ipPermissions: {
        items: [
          { ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] } },
          { ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] } },
        ],
      },
    });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title: "Admin port opened to the internet: sg-0123456789abcdef0: tcp 22 from 0.0.0.0/0 (by user alice)",
      resources: [{ kind: "security-group", id: "sg-0123456789abcdef0", ...WHERE }, ...CALLER],
    });
  });

  it("names the group by its name as an other resource when the request has no groupId", () => {
    // Arrange
    const event = cloudTrailCall("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", {
      groupName: "default",
      ipPermissions: {
        items: [
          { ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] } },
        ],
      },
    });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title: "Admin port opened to the internet: default: tcp 22 from 0.0.0.0/0 (by user alice)",
      resources: [{ kind: "other", id: "default", ...WHERE }, ...CALLER],
    });
  });
});

describe("snapshots and AMIs shared publicly", () => {
  it("titles an EBS snapshot shared with group all by its id", () => {
    // Arrange
    const event = cloudTrailCall("ec2.amazonaws.com", "ModifySnapshotAttribute", {
      snapshotId: "snap-0123456789abcdef0",
      createVolumePermission: { add: { items: [{ group: "all" }] } },
    });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title:
        "EBS snapshot shared publicly: snap-0123456789abcdef0 createVolumePermission group all (by user alice)",
      resources: [{ kind: "ec2-snapshot", id: "snap-0123456789abcdef0", ...WHERE }, ...CALLER],
    });
  });

  it("titles an AMI launchable by group all by its id", () => {
    // Arrange
    const event = cloudTrailCall("ec2.amazonaws.com", "ModifyImageAttribute", {
      imageId: "ami-0123456789abcdef0",
      launchPermission: { add: { items: [{ group: "all" }] } },
    });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title: "AMI shared publicly: ami-0123456789abcdef0 launchPermission group all (by user alice)",
      resources: [{ kind: "ec2-image", id: "ami-0123456789abcdef0", ...WHERE }, ...CALLER],
    });
  });

  it("titles an RDS snapshot made restorable by all by its identifier", () => {
    // Arrange
    const event = cloudTrailCall("rds.amazonaws.com", "ModifyDBSnapshotAttribute", {
      dBSnapshotIdentifier: "prod-snap",
      attributeName: "restore",
      valuesToAdd: ["all"],
    });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title: "RDS snapshot shared publicly: prod-snap restorable by all (by user alice)",
      resources: [{ kind: "other", id: "prod-snap", ...WHERE }, ...CALLER],
    });
  });

  it("ignores an RDS snapshot attribute other than restore even when it adds all", () => {
    // Arrange
    const event = cloudTrailCall("rds.amazonaws.com", "ModifyDBSnapshotAttribute", {
      dBSnapshotIdentifier: "prod-snap",
      attributeName: "copy",
      valuesToAdd: ["all"],
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(
      'not risky: ModifyDBSnapshotAttribute (rds.amazonaws.com) matches none of "RDS snapshot shared publicly"',
    );
  });

  it("titles an RDS cluster snapshot made restorable by all by its identifier", () => {
    // Arrange
    const event = cloudTrailCall("rds.amazonaws.com", "ModifyDBClusterSnapshotAttribute", {
      dBClusterSnapshotIdentifier: "prod-cluster-snap",
      attributeName: "restore",
      valuesToAdd: ["all"],
    });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title: "RDS cluster snapshot shared publicly: prod-cluster-snap restorable by all (by user alice)",
      resources: [{ kind: "other", id: "prod-cluster-snap", ...WHERE }, ...CALLER],
    });
  });

  it("ignores an RDS cluster snapshot attribute other than restore even when it adds all", () => {
    // Arrange
    const event = cloudTrailCall("rds.amazonaws.com", "ModifyDBClusterSnapshotAttribute", {
      dBClusterSnapshotIdentifier: "prod-cluster-snap",
      valuesToAdd: ["all"],
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(
      'not risky: ModifyDBClusterSnapshotAttribute (rds.amazonaws.com) matches none of "RDS cluster snapshot shared publicly"',
    );
  });
});

describe("DeleteFlowLogs", () => {
  it("names each distinct flow log id once, in the account and region, and lists them in the title", () => {
    // Arrange
    const event = deleteFlowLogs(["fl-0123456789abcdef0", "fl-0123456789abcdef0", "fl-aaaaaaaa"]);

    // Act
    const result = titleAndResources(event);

    // Assert: stringsIn walks the request from its end, so the last id comes first.
    expect(result).toStrictEqual({
      title: "VPC flow logs deleted: fl-aaaaaaaa, fl-0123456789abcdef0 (by user alice)",
      resources: [
        { kind: "aws-account", id: ACCOUNT },
        { kind: "other", id: "fl-aaaaaaaa", ...WHERE },
        { kind: "other", id: "fl-0123456789abcdef0", ...WHERE },
        ...CALLER,
      ],
    });
  });

  it("leaves out strings that only contain a flow log id, before or after other text", () => {
    // Arrange
    const event = deleteFlowLogs(["vpc-fl-0123456789abcdef0", "fl-0123456789abcdef0-old", "fl-bbbbbbbb"]);

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title: "VPC flow logs deleted: fl-bbbbbbbb (by user alice)",
      resources: [
        { kind: "aws-account", id: ACCOUNT },
        { kind: "other", id: "fl-bbbbbbbb", ...WHERE },
        ...CALLER,
      ],
    });
  });

  it("names at most 20 flow logs", () => {
    // Arrange
    const ids = Array.from({ length: 25 }, (_, i) => `fl-${String(i).padStart(8, "0")}`);
    const event = deleteFlowLogs(ids);

    // Act
    const { resources } = titleAndResources(event);

    // Assert
    expect(resources.filter((r) => r.kind === "other")).toHaveLength(20);
  });

  it("says flow logs were deleted, naming the account only, when the request names no flow log id", () => {
    // Arrange
    const event = cloudTrailCall("ec2.amazonaws.com", "DeleteFlowLogs", null);

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title: "VPC flow logs deleted: flow logs deleted (by user alice)",
      resources: [{ kind: "aws-account", id: ACCOUNT }, ...CALLER],
    });
  });
});

describe("S3 public access", () => {
  it("titles a public bucket policy with the bucket and the open statements", () => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "PutBucketPolicy", {
      bucketName: "data-bucket",
      bucketPolicy: {
        Statement: [
          { Sid: "Read", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" },
          { Sid: "List", Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:ListBucket", Resource: "*" },
        ],
      },
    });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title: "Bucket policy grants public access: data-bucket statements Read, List (by user alice)",
      resources: [DATA_BUCKET, ...CALLER],
    });
  });

  it("titles a public bucket ACL with the public grantee group and the public canned ACL", () => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "PutBucketAcl", {
      bucketName: "data-bucket",
      "x-amz-acl": ["public-read"],
      AccessControlPolicy: {
        AccessControlList: {
          Grant: {
            Grantee: {
              "xsi:type": "Group",
              URI: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
            },
            Permission: "READ",
          },
        },
      },
    });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title:
        "Bucket ACL grants public access: data-bucket grants AuthenticatedUsers, public-read (by user alice)",
      resources: [DATA_BUCKET, ...CALLER],
    });
  });

  it("alerts on a public canned ACL given as a plain header value, without any grant", () => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "PutBucketAcl", {
      bucketName: "data-bucket",
      "x-amz-acl": "authenticated-read",
    });

    // Act
    const { title } = titleAndResources(event);

    // Assert
    expect(title).toBe(
      "Bucket ACL grants public access: data-bucket grants authenticated-read (by user alice)",
    );
  });

  it("ignores a private canned ACL", () => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "PutBucketAcl", {
      bucketName: "data-bucket",
      "x-amz-acl": ["private"],
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(
      'not risky: PutBucketAcl (s3.amazonaws.com) matches none of "Bucket ACL grants public access"',
    );
  });

  it("titles a removed bucket Block Public Access with the bucket name", () => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "DeletePublicAccessBlock", {
      bucketName: "data-bucket",
      publicAccessBlock: [""],
    });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title: "Bucket Block Public Access removed: bucket data-bucket (by user alice)",
      resources: [DATA_BUCKET, ...CALLER],
    });
  });

  it("titles a bucket Block Public Access with the flags it leaves off, missing ones counting as off", () => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "PutPublicAccessBlock", {
      bucketName: "data-bucket",
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: false,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
      },
    });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title:
        "Bucket Block Public Access turned off: data-bucket: BlockPublicAcls, RestrictPublicBuckets off (by user alice)",
      resources: [DATA_BUCKET, ...CALLER],
    });
  });

  it('counts the string "true" as a flag turned on', () => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "PutPublicAccessBlock", {
      bucketName: "data-bucket",
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: "true",
        IgnorePublicAcls: "true",
        BlockPublicPolicy: "true",
        RestrictPublicBuckets: "true",
      },
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(
      'not risky: PutPublicAccessBlock (s3.amazonaws.com) matches none of "Bucket Block Public Access turned off"',
    );
  });

  it("rejects a Block Public Access configuration that is not an object, at its path", () => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "PutPublicAccessBlock", {
      bucketName: "data-bucket",
      PublicAccessBlockConfiguration: "all-on",
    });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect({ message: err.message, path: err.path }).toStrictEqual({
      message: "detail.requestParameters.PublicAccessBlockConfiguration: must be an object",
      path: "detail.requestParameters.PublicAccessBlockConfiguration",
    });
  });

  it("rejects an account Block Public Access request without its configuration", () => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "PutAccountPublicAccessBlock", { accountId: ACCOUNT });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toBe("detail.requestParameters.PublicAccessBlockConfiguration: must be an object");
  });

  it("titles an account Block Public Access with the flags it leaves off for the whole account", () => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "PutAccountPublicAccessBlock", {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: false },
    });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title:
        "Account Block Public Access turned off: IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets off for the whole account (by user alice)",
      resources: [{ kind: "aws-account", id: ACCOUNT }, ...CALLER],
    });
  });
});

describe("account-wide protections removed", () => {
  it("says new EBS volumes will not be encrypted when encryption by default is disabled", () => {
    // Arrange
    const event = cloudTrailCall("ec2.amazonaws.com", "DisableEbsEncryptionByDefault", {
      DisableEbsEncryptionByDefaultRequest: "",
    });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title:
        "EBS encryption by default disabled: new EBS volumes will not be encrypted by default (by user alice)",
      resources: [{ kind: "aws-account", id: ACCOUNT }, ...CALLER],
    });
  });

  it("says no account-wide protection is left when the account Block Public Access is deleted", () => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "DeleteAccountPublicAccessBlock", null);

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title:
        "Account Block Public Access removed: no account-wide protection against public buckets (by user alice)",
      resources: [{ kind: "aws-account", id: ACCOUNT }, ...CALLER],
    });
  });
});
