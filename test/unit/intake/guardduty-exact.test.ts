/**
 * GuardDuty findings normalised field by field: the whole finding, each resource type and
 * principal type, where each malformed part is reported, and which findings are ignored.
 */
import { describe, expect, it } from "vitest";
import type { Finding } from "../../../shared/domain/types.ts";
import { wrapDrill } from "../../../shared/intake/index.ts";
import { envelope, expectFinding, expectIgnored, expectInvalid } from "./helpers.ts";

const ACCOUNT = "123456789012";
const INSTANCE = "i-0123456789abcdef0";

type Detail = Record<string, unknown>;

/** A live GuardDuty finding about `resource` (no sample flag, not archived), edited by `edit`. */
function gdEvent(resource: unknown, edit: (d: Detail) => void = () => {}) {
  const detail: Detail = {
    schemaVersion: "2.0",
    id: "abc123",
    type: "Backdoor:EC2/C&CActivity.B!DNS",
    accountId: ACCOUNT,
    region: "cn-north-1",
    partition: "aws-cn",
    severity: 8,
    title: "C&C domain queried",
    createdAt: "2024-05-01T09:00:00.000Z",
    updatedAt: "2024-05-01T09:30:00.000Z",
    resource,
    service: { archived: false, additionalInfo: { sample: false } },
  };
  edit(detail);
  return envelope("aws.guardduty", "GuardDuty Finding", detail);
}

const instance = (extra: Record<string, unknown> = {}) => ({
  resourceType: "Instance",
  instanceDetails: { instanceId: INSTANCE, ...extra },
});

const keyResource = (details: Record<string, unknown>) => ({
  resourceType: "AccessKey",
  accessKeyDetails: details,
});

const resourcesOf = (resource: unknown, edit?: (d: Detail) => void) =>
  expectFinding(gdEvent(resource, edit)).resources;

const WHERE = { account: ACCOUNT, region: "cn-north-1" };

describe("a GuardDuty EC2 finding", () => {
  it("becomes exactly this finding", () => {
    // Arrange
    const event = gdEvent(instance({ tags: [{ key: "env", value: "prod" }] }));

    // Act
    const finding = expectFinding(event);

    // Assert
    const expected: Finding = {
      id: "abc123",
      source: "guardduty",
      type: "Backdoor:EC2/C&CActivity.B!DNS",
      title: "C&C domain queried",
      severity: 8,
      time: "2024-05-01T09:30:00.000Z",
      account: ACCOUNT,
      region: "cn-north-1",
      resources: [
        {
          kind: "ec2-instance",
          id: INSTANCE,
          arn: `arn:aws-cn:ec2:cn-north-1:${ACCOUNT}:instance/${INSTANCE}`,
          region: "cn-north-1",
          account: ACCOUNT,
          tags: { env: "prod" },
        },
      ],
      drill: false,
      raw: event,
    };
    expect(finding).toStrictEqual(expected);
  });

  it("builds the instance ARN in the aws partition when the finding names none", () => {
    // Act
    const [res] = resourcesOf(instance(), (d) => {
      delete d.partition;
    });

    // Assert
    expect(res?.arn).toBe(`arn:aws:ec2:cn-north-1:${ACCOUNT}:instance/${INSTANCE}`);
  });

  it("rejects a missing resource block, naming why", () => {
    // Act
    const err = expectInvalid(gdEvent(undefined));

    // Assert
    expect(err.message).toBe("detail.resource: is required: an EC2 finding names its instance here");
  });

  it("rejects a malformed instance id at its path", () => {
    // Act
    const err = expectInvalid(
      gdEvent({ resourceType: "Instance", instanceDetails: { instanceId: "i-1; rm" } }),
    );

    // Assert
    expect(err.message).toBe(
      'detail.resource.instanceDetails.instanceId: must be an EC2 instance id (i- and 8 or 17 hex digits) (got "i-1; rm")',
    );
  });

  it("uses the envelope's time when neither timestamp is readable, with a warning for each, updatedAt first", () => {
    // Act
    const finding = expectFinding(
      gdEvent(instance(), (d) => {
        d.createdAt = "yesterday";
        d.updatedAt = 5;
      }),
    );

    // Assert
    expect(finding.time).toBe("2024-05-01T10:00:00Z");
    expect(finding.warnings).toStrictEqual([
      "detail.updatedAt: must be an ISO-8601 date-time (got 5); not used",
      'detail.createdAt: must be an ISO-8601 date-time (got "yesterday"); not used',
    ]);
  });
});

describe("a GuardDuty finding without a resource block", () => {
  it.each(["Recon:EC2Fleet/Probe", "Policy:IAMUser/RootCredentialUsage", "Impact:S3/EC2Like"])(
    "is accepted with a warning when its type %s is not about an EC2 instance",
    (type) => {
      // Act
      const finding = expectFinding(
        gdEvent(undefined, (d) => {
          d.type = type;
        }),
      );

      // Assert
      expect(finding.resources).toStrictEqual([]);
      expect(finding.warnings).toStrictEqual([
        "detail.resource: is missing: the finding names no affected resource",
      ]);
    },
  );

  it.each(["Backdoor:EC2/DenialOfService.Tcp", "A:EC2/B"])(
    "is rejected when its type %s is about EC2",
    (type) => {
      // Act
      const err = expectInvalid(
        gdEvent(undefined, (d) => {
          d.type = type;
        }),
      );

      // Assert
      expect(err.path).toBe("detail.resource");
    },
  );
});

describe("an access-key finding", () => {
  it("names an IAM user's key and the user, in the finding's account", () => {
    // Act
    const resources = resourcesOf(
      keyResource({ accessKeyId: "AKIAEXAMPLEEXAMPLE01", userName: "alice", userType: "IAMUser" }),
    );

    // Assert
    expect(resources).toStrictEqual([
      { kind: "iam-access-key", id: "AKIAEXAMPLEEXAMPLE01", account: ACCOUNT },
      { kind: "iam-user", id: "alice", account: ACCOUNT },
    ]);
  });

  it("names the user alone when there is no key id, and the key alone when there is no user name", () => {
    // Act
    const userOnly = resourcesOf(keyResource({ accessKeyId: "", userName: "alice", userType: "IAMUser" }));
    const keyOnly = resourcesOf(keyResource({ accessKeyId: "AKIAEXAMPLEEXAMPLE01", userType: "IAMUser" }));

    // Assert
    expect(userOnly).toStrictEqual([{ kind: "iam-user", id: "alice", account: ACCOUNT }]);
    expect(keyOnly).toStrictEqual([{ kind: "iam-access-key", id: "AKIAEXAMPLEEXAMPLE01", account: ACCOUNT }]);
  });

  it.each(["AssumedRole", "Role"])(
    "names the role of a %s and the instance whose credentials it is",
    (userType) => {
      // Act
      const resources = resourcesOf(
        keyResource({
          accessKeyId: "ASIAEXAMPLEEXAMPLE01",
          principalId: `AROAEXAMPLEEXAMPLE01:${INSTANCE}`,
          userName: "WebRole",
          userType,
        }),
      );

      // Assert
      expect(resources).toStrictEqual([
        { kind: "iam-access-key", id: "ASIAEXAMPLEEXAMPLE01", account: ACCOUNT },
        { kind: "iam-role", id: "WebRole", account: ACCOUNT },
        {
          kind: "ec2-instance",
          id: INSTANCE,
          account: ACCOUNT,
          region: "cn-north-1",
          arn: `arn:aws-cn:ec2:cn-north-1:${ACCOUNT}:instance/${INSTANCE}`,
          sessionOfRole: "WebRole",
        },
      ]);
    },
  );

  it("names no instance for a role session that is not an instance's", () => {
    // Act
    const resources = resourcesOf(
      keyResource({
        principalId: "AROAEXAMPLEEXAMPLE01:deploy",
        userName: "Deployer",
        userType: "AssumedRole",
      }),
    );

    // Assert
    expect(resources).toStrictEqual([{ kind: "iam-role", id: "Deployer", account: ACCOUNT }]);
  });

  it("names nothing for a role session without a name or an instance", () => {
    // Act
    const resources = resourcesOf(keyResource({ userType: "Role" }));

    // Assert
    expect(resources).toStrictEqual([]);
  });

  it("names the account for root, with nothing else", () => {
    // Act
    const resources = resourcesOf(keyResource({ userName: "Root", userType: "Root" }));

    // Assert
    expect(resources).toStrictEqual([{ kind: "aws-account", id: ACCOUNT }]);
  });

  it.each(["FederatedUser", "AWSService", null])("names only the key of a %s principal", (userType) => {
    // Act
    const resources = resourcesOf(
      keyResource({ accessKeyId: "ASIAEXAMPLEEXAMPLE01", userName: "someone", userType }),
    );

    // Assert
    expect(resources).toStrictEqual([
      { kind: "iam-access-key", id: "ASIAEXAMPLEEXAMPLE01", account: ACCOUNT },
    ]);
  });

  it("leaves out a malformed key id and user name, with a warning for each", () => {
    // Act
    const finding = expectFinding(
      gdEvent(keyResource({ accessKeyId: "AKIA-BAD", userName: "a/b", userType: "IAMUser" }), (d) => {
        d.type = "UnauthorizedAccess:IAMUser/MaliciousIPCaller";
      }),
    );

    // Assert
    expect(finding.resources).toStrictEqual([]);
    expect(finding.warnings).toStrictEqual([
      'detail.resource.accessKeyDetails.accessKeyId: must be an IAM access key id (got "AKIA-BAD"); not named as an affected resource',
      'detail.resource.accessKeyDetails.userName: must be an IAM user name (got "a/b"); not named as an affected resource',
    ]);
  });

  it("leaves out a malformed role name with a warning at its path", () => {
    // Act
    const finding = expectFinding(gdEvent(keyResource({ userName: "a b", userType: "AssumedRole" })));

    // Assert
    expect(finding.warnings).toStrictEqual([
      'detail.resource.accessKeyDetails.userName: must be an IAM role name (got "a b"); not named as an affected resource',
    ]);
  });

  it("rejects access-key details of the wrong type at their path", () => {
    // Act
    const err = expectInvalid(gdEvent(keyResource({ userName: 5 })));

    // Assert
    expect(err.message).toBe("detail.resource.accessKeyDetails.userName: must be string, got number");
  });
});

describe("an S3 finding", () => {
  it("names each bucket, with the event's ARN or one built in the finding's partition, and its tags", () => {
    // Act
    const resources = resourcesOf({
      resourceType: "S3Bucket",
      s3BucketDetails: [
        { name: "logs", arn: "arn:aws-cn:s3:::logs", tags: [{ key: "k", value: "v" }] },
        { name: "data", arn: null },
      ],
    });

    // Assert
    expect(resources).toStrictEqual([
      { kind: "s3-bucket", id: "logs", arn: "arn:aws-cn:s3:::logs", ...WHERE, tags: { k: "v" } },
      { kind: "s3-bucket", id: "data", arn: "arn:aws-cn:s3:::data", ...WHERE },
    ]);
  });

  it("adds the access key and user the finding names", () => {
    // Act
    const resources = resourcesOf({
      resourceType: "S3Bucket",
      s3BucketDetails: [{ name: "logs" }],
      accessKeyDetails: { accessKeyId: "AKIAEXAMPLEEXAMPLE01", userName: "alice", userType: "IAMUser" },
    });

    // Assert
    expect(resources).toStrictEqual([
      { kind: "s3-bucket", id: "logs", arn: "arn:aws-cn:s3:::logs", ...WHERE },
      { kind: "iam-access-key", id: "AKIAEXAMPLEEXAMPLE01", account: ACCOUNT },
      { kind: "iam-user", id: "alice", account: ACCOUNT },
    ]);
  });

  it("reads null access-key details as none", () => {
    // Act
    const resources = resourcesOf({
      resourceType: "S3Bucket",
      s3BucketDetails: [{ name: "logs" }],
      accessKeyDetails: null,
    });

    // Assert
    expect(resources).toStrictEqual([
      { kind: "s3-bucket", id: "logs", arn: "arn:aws-cn:s3:::logs", ...WHERE },
    ]);
  });

  it("rejects malformed access-key details at their path", () => {
    // Act
    const err = expectInvalid(
      gdEvent({ resourceType: "S3Bucket", s3BucketDetails: [{ name: "logs" }], accessKeyDetails: "AKIA" }),
    );

    // Assert
    expect(err.message).toBe("detail.resource.accessKeyDetails: must be object, got string");
  });

  it("warns about a malformed second bucket at its index", () => {
    // Act
    const finding = expectFinding(
      gdEvent({ resourceType: "S3Bucket", s3BucketDetails: [{ name: "logs" }, { name: "a b" }] }),
    );

    // Assert
    expect(finding.resources.map((r) => r.id)).toStrictEqual(["logs"]);
    expect(finding.warnings).toStrictEqual([
      'detail.resource.s3BucketDetails[1].name: must be an S3 bucket name (got "a b"); not named as an affected resource',
    ]);
  });

  it("rejects an empty bucket list with its message", () => {
    // Act
    const err = expectInvalid(gdEvent({ resourceType: "S3Bucket", s3BucketDetails: [] }));

    // Assert
    expect(err.message).toBe(
      "detail.resource.s3BucketDetails: must list at least one bucket (got an empty array)",
    );
  });
});

describe("EKS, Lambda and RDS findings", () => {
  it.each([
    [
      {
        resourceType: "EKSCluster",
        eksClusterDetails: { name: "prod", arn: "arn:aws:eks:x", tags: [{ key: "a", value: "b" }] },
      },
      { kind: "eks-cluster", id: "prod", arn: "arn:aws:eks:x", ...WHERE, tags: { a: "b" } },
    ],
    [
      { resourceType: "EKSCluster", eksClusterDetails: { name: "prod", arn: null } },
      { kind: "eks-cluster", id: "prod", ...WHERE },
    ],
    [
      {
        resourceType: "Lambda",
        lambdaDetails: {
          functionName: "fn",
          functionArn: "arn:aws:lambda:x",
          tags: [{ key: "a", value: "b" }],
        },
      },
      { kind: "lambda-function", id: "fn", arn: "arn:aws:lambda:x", ...WHERE, tags: { a: "b" } },
    ],
    [
      { resourceType: "Lambda", lambdaDetails: { functionName: "fn", functionArn: null } },
      { kind: "lambda-function", id: "fn", ...WHERE },
    ],
    [
      {
        resourceType: "RDSDBInstance",
        rdsDbInstanceDetails: {
          dbInstanceIdentifier: "db",
          dbInstanceArn: "arn:aws:rds:x",
          tags: [{ key: "a", value: "b" }],
        },
      },
      { kind: "rds-instance", id: "db", arn: "arn:aws:rds:x", ...WHERE, tags: { a: "b" } },
    ],
    [
      {
        resourceType: "RDSDBInstance",
        rdsDbInstanceDetails: { dbInstanceIdentifier: "db", dbInstanceArn: null },
      },
      { kind: "rds-instance", id: "db", ...WHERE },
    ],
    [{ resourceType: "ECSCluster" }, { kind: "other", id: "ECSCluster", ...WHERE }],
  ])("name %j as exactly one resource", (resource, expected) => {
    // Act
    const resources = resourcesOf(resource, (d) => {
      d.type = "Execution:Runtime/NewBinaryExecuted";
    });

    // Assert
    expect(resources).toStrictEqual([expected]);
  });

  it.each([
    ["EKSCluster", "eksClusterDetails", { name: "-bad" }, "name", "an EKS cluster name", "-bad"],
    ["Lambda", "lambdaDetails", { functionName: "f.n" }, "functionName", "a Lambda function name", "f.n"],
    [
      "RDSDBInstance",
      "rdsDbInstanceDetails",
      { dbInstanceIdentifier: "1db" },
      "dbInstanceIdentifier",
      "an RDS DB instance identifier",
      "1db",
    ],
  ])(
    "leave out a malformed %s name, warning at its path",
    (resourceType, key, details, field, what, value) => {
      // Act
      const finding = expectFinding(
        gdEvent({ resourceType, [key]: details }, (d) => {
          d.type = "Execution:Runtime/NewBinaryExecuted";
        }),
      );

      // Assert
      expect(finding.resources).toStrictEqual([]);
      expect(finding.warnings).toStrictEqual([
        `detail.resource.${key}.${field}: must be ${what} (got "${value}"); not named as an affected resource`,
      ]);
    },
  );

  it.each([
    ["EKSCluster", "eksClusterDetails", "name"],
    ["Lambda", "lambdaDetails", "functionName"],
    ["RDSDBInstance", "rdsDbInstanceDetails", "dbInstanceIdentifier"],
  ])("reject %s details without their name at its path", (resourceType, key, field) => {
    // Act
    const err = expectInvalid(gdEvent({ resourceType, [key]: {} }));

    // Assert
    expect(err.message).toBe(`detail.resource.${key}.${field}: is required`);
  });
});

describe("the GetFindings (PascalCase) shape", () => {
  it.each([{ Id: "x" }, { Type: "x" }, { Severity: 5 }])("is named when the detail has %j", (pascal) => {
    // Arrange
    const event = envelope("aws.guardduty", "GuardDuty Finding", pascal);

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toBe(
      "detail.id: is required; the detail has PascalCase keys (the GuardDuty API shape); EventBridge delivers camelCase keys",
    );
  });

  it("is not named for a detail without those keys", () => {
    // Act
    const err = expectInvalid(envelope("aws.guardduty", "GuardDuty Finding", { title: "x" }));

    // Assert
    expect(err.message).toBe("detail.id: is required");
  });

  it("is not named for a problem deeper in the detail", () => {
    // Arrange
    const event = gdEvent({}, (d) => {
      d.Id = "x";
    });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toBe("detail.resource.resourceType: is required");
  });
});

describe("archived and sample findings", () => {
  it("ignores an archived finding, even a sample one, naming the archive first", () => {
    // Act
    const result = expectIgnored(
      gdEvent(instance(), (d) => {
        d.service = { archived: "true", additionalInfo: { sample: true } };
      }),
    );

    // Assert
    expect(result.reason).toBe("archived GuardDuty finding (service.archived is true)");
  });

  it("ignores a sample finding, saying how to run it", () => {
    // Act
    const result = expectIgnored(
      gdEvent(instance(), (d) => {
        d.service = { archived: false, additionalInfo: { sample: "True" } };
      }),
    );

    // Assert
    expect(result.reason).toBe(
      "sample GuardDuty finding (service.additionalInfo.sample is true); wrap it in a drill to run it",
    );
  });

  it.each([
    ["no service block", null],
    ["no additional info", { archived: null, additionalInfo: null }],
    ["flags that are false", { archived: "false", additionalInfo: { sample: "false" } }],
  ])("keeps a finding with %s", (_name, service) => {
    // Act
    const finding = expectFinding(
      gdEvent(instance(), (d) => {
        d.service = service;
      }),
    );

    // Assert
    expect(finding.type).toBe("Backdoor:EC2/C&CActivity.B!DNS");
  });

  it("runs an archived sample finding in a drill", () => {
    // Arrange
    const event = wrapDrill(
      gdEvent(instance(), (d) => {
        d.service = { archived: true, additionalInfo: { sample: true } };
      }),
      "sample",
    );

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.drill).toBe(true);
    expect(finding.resources[0]?.id).toBe(INSTANCE);
  });
});
