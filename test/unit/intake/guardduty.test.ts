import { describe, expect, it } from "vitest";
import { clone, expectFinding, expectIgnored, expectInvalid, fixture } from "./helpers.ts";

type Detail = Record<string, unknown> & {
  service: { archived: boolean; additionalInfo: Record<string, unknown> };
  resource: Record<string, unknown>;
};

/** A live (non-sample) GuardDuty EC2 finding, edited by `edit`. */
function liveFinding(edit: (detail: Detail) => void = () => {}) {
  const event = clone(fixture("guardduty/UnauthorizedAccess_EC2_SSHBruteForce.json")) as { detail: Detail };
  event.detail.service.additionalInfo.sample = false;
  edit(event.detail);
  return event;
}

describe("GuardDuty intake", () => {
  it("turns a live EC2 finding into a finding with the instance, its tags and ARN", () => {
    // Arrange
    const event = liveFinding();

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding).toMatchObject({
      id: "f0b37a7d5504bba0ec3493e776a0c54f",
      source: "guardduty",
      type: "UnauthorizedAccess:EC2/SSHBruteForce",
      severity: 2,
      time: "2018-11-08T20:21:59.714Z",
      account: "785665517223",
      region: "us-east-1",
      drill: false,
    });
    expect(finding.scenario).toBeUndefined();
    expect(finding.resources).toHaveLength(1);
    expect(finding.resources[0]).toMatchObject({
      kind: "ec2-instance",
      id: "i-99999999",
      account: "785665517223",
      region: "us-east-1",
      arn: "arn:aws:ec2:us-east-1:785665517223:instance/i-99999999",
    });
  });

  it("accepts fractional severities such as 8.9", () => {
    // Arrange
    const event = liveFinding((d) => {
      d.severity = 8.9;
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.severity).toBe(8.9);
  });

  it.each([10.1, -0.1, "8", null])("rejects severity %s", (severity) => {
    // Arrange
    const event = liveFinding((d) => {
      d.severity = severity;
    });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.severity");
  });

  it("ignores archived findings", () => {
    // Arrange
    const event = liveFinding((d) => {
      d.service.archived = true;
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toContain("archived GuardDuty finding");
  });

  it("ignores sample findings given as the string true", () => {
    // Arrange
    const event = liveFinding((d) => {
      d.service.additionalInfo.sample = "true";
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toContain("sample GuardDuty finding");
  });

  it("falls back to createdAt, then to the event time", () => {
    // Arrange
    const created = liveFinding((d) => {
      delete d.updatedAt;
    });
    const neither = liveFinding((d) => {
      delete d.updatedAt;
      delete d.createdAt;
    });

    // Act
    const times = [expectFinding(created).time, expectFinding(neither).time];

    // Assert
    expect(times).toEqual(["2018-11-08T20:19:20.202Z", "2018-11-08T20:25:00Z"]);
  });

  it("falls back to the event account and region", () => {
    // Arrange
    const event = liveFinding((d) => {
      delete d.accountId;
      delete d.region;
    });
    (event as Record<string, unknown>).account = "111122223333";

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.account).toBe("111122223333");
  });

  it("rejects a type that does not fit the GuardDuty grammar", () => {
    // Arrange
    const event = liveFinding((d) => {
      d.type = "Backdoor:EC2/$(curl evil)";
    });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.type");
  });

  it("accepts an unknown type that fits the grammar", () => {
    // Arrange
    const event = liveFinding((d) => {
      d.type = "AttackSequence:EC2/CompromisedHost";
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.type).toBe("AttackSequence:EC2/CompromisedHost");
  });

  it("reads an access-key finding of an assumed role as key and role", () => {
    // Arrange
    const event = liveFinding((d) => {
      d.resource = {
        resourceType: "AccessKey",
        accessKeyDetails: {
          accessKeyId: "ASIAEXAMPLEEXAMPLE01",
          userName: "Deployer",
          userType: "AssumedRole",
        },
      };
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources.map((r) => `${r.kind}:${r.id}`)).toEqual([
      "iam-access-key:ASIAEXAMPLEEXAMPLE01",
      "iam-role:Deployer",
    ]);
  });

  it("reads a root access-key finding as the account", () => {
    // Arrange
    const event = liveFinding((d) => {
      d.resource = { resourceType: "AccessKey", accessKeyDetails: { userName: "Root", userType: "Root" } };
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources.map((r) => `${r.kind}:${r.id}`)).toEqual(["aws-account:785665517223"]);
  });

  it("reads EKS, Lambda and RDS findings", () => {
    // Arrange
    const events = [
      {
        resourceType: "EKSCluster",
        eksClusterDetails: { name: "prod-eks", arn: "arn:aws:eks:us-east-1:785665517223:cluster/prod-eks" },
      },
      {
        resourceType: "Lambda",
        lambdaDetails: { functionName: "handler-1", tags: [{ key: "team", value: "a" }] },
      },
      { resourceType: "RDSDBInstance", rdsDbInstanceDetails: { dbInstanceIdentifier: "db-main" } },
    ].map((resource) =>
      liveFinding((d) => {
        d.resource = resource;
      }),
    );

    // Act
    const resources = events.map((e) => expectFinding(e).resources[0]);

    // Assert
    expect(resources).toEqual([
      expect.objectContaining({
        kind: "eks-cluster",
        id: "prod-eks",
        arn: "arn:aws:eks:us-east-1:785665517223:cluster/prod-eks",
      }),
      expect.objectContaining({ kind: "lambda-function", id: "handler-1", tags: { team: "a" } }),
      expect.objectContaining({ kind: "rds-instance", id: "db-main" }),
    ]);
  });

  it("names other resource types by their type", () => {
    // Arrange
    const event = liveFinding((d) => {
      d.resource = { resourceType: "ECSCluster", ecsClusterDetails: { name: "c" } };
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources).toEqual([expect.objectContaining({ kind: "other", id: "ECSCluster" })]);
  });

  it("rejects an S3 finding without buckets", () => {
    // Arrange
    const event = liveFinding((d) => {
      d.resource = { resourceType: "S3Bucket", s3BucketDetails: [] };
    });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.resource.s3BucketDetails");
  });

  it("leaves a bucket name with a path in it out of the resources, with a warning", () => {
    // Arrange
    const event = liveFinding((d) => {
      d.type = "Policy:S3/BucketBlockPublicAccessDisabled";
      d.resource = { resourceType: "S3Bucket", s3BucketDetails: [{ name: "../../etc/passwd" }] };
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources.map((r) => r.id)).not.toContain("../../etc/passwd");
    expect(finding.warnings).toEqual([
      expect.stringMatching(/^detail\.resource\.s3BucketDetails\[0\]\.name: must be an S3 bucket name/),
    ]);
  });

  it("rejects an EC2 finding without instance details", () => {
    // Arrange
    const event = liveFinding((d) => {
      delete d.resource.instanceDetails;
    });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.resource.instanceDetails");
    expect(err.message).toContain("is required");
  });

  it("uses the type as title when the title is blank after cleaning", () => {
    // Arrange
    const event = liveFinding((d) => {
      d.title = "\u0000\u202e ";
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe("GuardDuty UnauthorizedAccess:EC2/SSHBruteForce");
  });

  it("keeps a tag named __proto__ as a plain tag", () => {
    // Arrange
    const event = liveFinding((d) => {
      (d.resource.instanceDetails as Record<string, unknown>).tags = [{ key: "__proto__", value: "x" }];
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    const tags = finding.resources[0]?.tags ?? {};
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(tags, "__proto__")?.value).toBe("x");
  });
});
