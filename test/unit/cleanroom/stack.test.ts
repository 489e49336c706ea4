import { describe, expect, it } from "vitest";
import {
  type CleanroomInput,
  chooseSnapshots,
  createdByValue,
  createStackRequest,
  describeCreateStack,
  expiresAtFor,
  firstFailure,
  incidentIdOfStack,
  type ManagedStack,
  MEMBER_STACK_ROLE_NAME,
  memberStackRoleArn,
  selectExpired,
  stackNameFor,
  stackPhase,
  validateInput,
} from "../../../shared/cleanroom/index.ts";
import { snapshots } from "./fakes.ts";

const ID = "ir-20260301-0a1b2c3d";

function anInput(overrides: Partial<CleanroomInput> = {}): CleanroomInput {
  return {
    incidentId: ID,
    snapshotIds: ["snap-0123456789abcdef0", "snap-0fedcba9876543210"],
    evidenceBucket: "incident-responder-dev-evidence-111122223333-us-east-1",
    kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    createdBy: "incident-responder/cleanroom",
    expiresAt: "2026-03-02T10:00:00Z",
    s3PrefixListId: "pl-63a5400a",
    evidenceVolumeSizeGiB: 0,
    ...overrides,
  };
}

describe("stack names", () => {
  it("names one stack per incident", () => {
    expect(stackNameFor(ID)).toBe("incident-responder-cleanroom-ir-20260301-0a1b2c3d");
  });

  it("refuses what is not an incident id", () => {
    expect(() => stackNameFor("ir-1; rm -rf")).toThrow(/not an incident id/);
  });

  it("reads the incident back from a stack name or a stack id", () => {
    const arn = `arn:aws:cloudformation:us-east-1:111122223333:stack/incident-responder-cleanroom-${ID}/5b7e0a40-0000-11ef-8000-0a1b2c3d4e5f`;
    expect(incidentIdOfStack(`incident-responder-cleanroom-${ID}`)).toBe(ID);
    expect(incidentIdOfStack(arn)).toBe(ID);
  });

  it("ignores other stacks, including look-alikes", () => {
    expect(incidentIdOfStack("incident-responder-dev")).toBeUndefined();
    expect(incidentIdOfStack("incident-responder-cleanroom-teardown")).toBeUndefined();
    expect(
      incidentIdOfStack("arn:aws:cloudformation:us-east-1:111122223333:stack/other/uuid"),
    ).toBeUndefined();
  });
});

describe("stack parameters", () => {
  it("passes the incident, evidence, key, creator, expiry and prefix list; keeps the template's defaults", () => {
    const req = createStackRequest(anInput(), { body: "Resources: {}", source: "cleanroom.yaml" });

    expect(Object.fromEntries(req.Parameters.map((p) => [p.ParameterKey, p.ParameterValue]))).toEqual({
      IncidentId: ID,
      CreatedBy: "incident-responder/cleanroom",
      ExpiresAt: "2026-03-02T10:00:00Z",
      EvidenceSnapshotIds: "snap-0123456789abcdef0,snap-0fedcba9876543210",
      EvidenceVolumeSizeGiB: "0",
      EvidenceBucket: "incident-responder-dev-evidence-111122223333-us-east-1",
      KmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      S3PrefixListId: "pl-63a5400a",
    });
    expect(req).toMatchObject({
      StackName: `incident-responder-cleanroom-${ID}`,
      TemplateBody: "Resources: {}",
      Capabilities: ["CAPABILITY_IAM"],
      OnFailure: "DELETE",
    });
  });

  it("has CloudFormation build the stack with the given service role, and passes none otherwise", () => {
    const role = "arn:aws:iam::111122223333:role/incident-responder-dev-cleanroom-stack-us-east-1";

    expect(createStackRequest(anInput(), { url: "https://s3.amazonaws.com/b/t.yaml" }, role).RoleARN).toBe(
      role,
    );
    expect(createStackRequest(anInput(), { url: "https://s3.amazonaws.com/b/t.yaml" })).not.toHaveProperty(
      "RoleARN",
    );
  });

  it("names a member account's stack role after the member template's role", () => {
    expect(memberStackRoleArn("444455556666")).toBe(
      "arn:aws:iam::444455556666:role/incident-responder-cleanroom-stack",
    );
    expect(memberStackRoleArn("444455556666", "aws-cn")).toBe(
      `arn:aws-cn:iam::444455556666:role/${MEMBER_STACK_ROLE_NAME}`,
    );
  });

  it("tags the stack with the incident, its expiry and the managed marker", () => {
    const req = createStackRequest(anInput(), { url: "https://s3.amazonaws.com/b/cleanroom.yaml" });

    expect(Object.fromEntries(req.Tags.map((t) => [t.Key, t.Value]))).toMatchObject({
      "incident-responder:incident-id": ID,
      "incident-responder:expires-at": "2026-03-02T10:00:00Z",
      "incident-responder:managed": "true",
    });
    expect(req.TemplateURL).toBe("https://s3.amazonaws.com/b/cleanroom.yaml");
    expect(req.TemplateBody).toBeUndefined();
  });

  it("accepts a valid input and names every invalid parameter", () => {
    expect(validateInput(anInput())).toEqual([]);
    const problems = validateInput(
      anInput({
        snapshotIds: [],
        kmsKeyArn: "",
        s3PrefixListId: "",
        evidenceVolumeSizeGiB: -1,
        expiresAt: "tomorrow",
      }),
    );
    expect(problems.join("\n")).toMatch(/EvidenceSnapshotIds needs 1 to 4/);
    expect(problems.join("\n")).toMatch(/KmsKeyArn \(none\)/);
    expect(problems.join("\n")).toMatch(/S3PrefixListId \(none\)/);
    expect(problems.join("\n")).toMatch(/EvidenceVolumeSizeGiB -1/);
    expect(problems.join("\n")).toMatch(/ExpiresAt tomorrow/);
  });

  it("refuses five snapshots", () => {
    expect(validateInput(anInput({ snapshotIds: snapshots(5).map((s) => s.snapshotId) }))).toEqual([
      "EvidenceSnapshotIds needs 1 to 4 snapshots, not 5",
    ]);
  });

  it("describes the exact call without the template body", () => {
    const req = createStackRequest(anInput(), { body: "x".repeat(1234), source: "cleanroom.yaml" });

    const call = describeCreateStack(req, "cleanroom.yaml");

    expect(call).toMatch(
      /^cloudformation:CreateStack StackName=incident-responder-cleanroom-ir-20260301-0a1b2c3d /,
    );
    expect(call).toContain("TemplateBody=<cleanroom.yaml, 1234 bytes>");
    expect(call).toContain("EvidenceSnapshotIds=snap-0123456789abcdef0,snap-0fedcba9876543210");
    expect(call).toContain("Capabilities=[CAPABILITY_IAM] OnFailure=DELETE");
    expect(call).not.toContain("xxxx");
  });

  it("sets the expiry ttlHours after now, to the second", () => {
    expect(expiresAtFor(new Date("2026-03-01T10:00:00.750Z"), 24)).toBe("2026-03-02T10:00:00Z");
    expect(expiresAtFor(new Date("2026-03-01T10:00:00Z"), 0.5)).toBe("2026-03-01T10:30:00Z");
  });

  it("keeps only tag-safe characters in CreatedBy", () => {
    expect(createdByValue("incident-responder/cleanroom")).toBe("incident-responder/cleanroom");
    expect(
      createdByValue(
        "incident-responder/cleanroom",
        "arn:aws:sts::111122223333:assumed-role/Admin/jane@example.com",
      ),
    ).toBe(
      "incident-responder/cleanroom requested-by arn:aws:sts::111122223333:assumed-role/Admin/jane@example.com",
    );
    expect(createdByValue("x", 'a"b<c>\n')).toBe("x requested-by a_b_c__");
    expect(createdByValue("x", "y".repeat(400))).toHaveLength(256);
  });
});

describe("choosing snapshots", () => {
  it("takes completed snapshots in the order recorded, at most four, and says which were left out", () => {
    const all = snapshots(6).reverse();
    all.splice(1, 0, { snapshotId: "snap-0000000000000000f", volumeId: "vol-f", state: "pending" });

    const chosen = chooseSnapshots(all);

    expect(chosen.ids).toEqual([
      "snap-00000000000000005",
      "snap-00000000000000004",
      "snap-00000000000000003",
      "snap-00000000000000002",
    ]);
    expect(chosen.left).toEqual(["snap-00000000000000001", "snap-00000000000000000"]);
    expect(chosen.notReady).toEqual(["snap-0000000000000000f"]);
  });

  it("finds nothing in an incident without snapshots", () => {
    expect(chooseSnapshots([])).toEqual({ ids: [], left: [], notReady: [] });
  });
});

describe("stack status", () => {
  it.each([
    ["CREATE_IN_PROGRESS", "creating"],
    ["CREATE_COMPLETE", "ready"],
    ["CREATE_FAILED", "failed"],
    ["ROLLBACK_IN_PROGRESS", "failed"],
    ["ROLLBACK_COMPLETE", "failed"],
    ["ROLLBACK_FAILED", "failed"],
    ["DELETE_IN_PROGRESS", "deleting"],
    ["DELETE_COMPLETE", "deleted"],
    ["DELETE_FAILED", "delete-failed"],
    [undefined, "other"],
  ])("reads %s as %s", (status, phase) => {
    expect(stackPhase(status)).toBe(phase);
  });
});

describe("failure reason", () => {
  it("names the first resource that failed and why, not the cascade or the stack summary", () => {
    // DescribeStackEvents order: newest first.
    const events = [
      {
        LogicalResourceId: "stack",
        ResourceType: "AWS::CloudFormation::Stack",
        ResourceStatus: "ROLLBACK_IN_PROGRESS",
        Timestamp: "2026-03-01T10:00:09Z",
      },
      {
        LogicalResourceId: "stack",
        ResourceType: "AWS::CloudFormation::Stack",
        ResourceStatus: "CREATE_FAILED",
        ResourceStatusReason: "The following resource(s) failed to create: [Workstation, EvidenceVolume1].",
        Timestamp: "2026-03-01T10:00:08Z",
      },
      {
        LogicalResourceId: "EvidenceVolume1",
        ResourceType: "AWS::EC2::Volume",
        ResourceStatus: "CREATE_FAILED",
        ResourceStatusReason: "Resource creation cancelled",
        Timestamp: "2026-03-01T10:00:07Z",
      },
      {
        LogicalResourceId: "Workstation",
        ResourceType: "AWS::EC2::Instance",
        ResourceStatus: "CREATE_FAILED",
        ResourceStatusReason:
          "We currently do not have sufficient m5.large capacity in the Availability Zone you requested",
        Timestamp: "2026-03-01T10:00:07Z",
      },
      {
        LogicalResourceId: "Vpc",
        ResourceType: "AWS::EC2::VPC",
        ResourceStatus: "CREATE_COMPLETE",
        Timestamp: "2026-03-01T10:00:02Z",
      },
    ];

    expect(firstFailure(events)).toEqual({
      resource: "Workstation",
      reason: "We currently do not have sufficient m5.large capacity in the Availability Zone you requested",
      status: "CREATE_FAILED",
    });
  });

  it("falls back to the stack's own failure when no resource failed", () => {
    const events = [
      {
        LogicalResourceId: "stack",
        ResourceType: "AWS::CloudFormation::Stack",
        ResourceStatus: "DELETE_FAILED",
        ResourceStatusReason: "Role is not authorized",
        Timestamp: new Date(),
      },
    ];
    expect(firstFailure(events)).toEqual({
      resource: "stack",
      reason: "Role is not authorized",
      status: "DELETE_FAILED",
    });
  });

  it("finds nothing in a stack that did not fail", () => {
    expect(firstFailure([{ LogicalResourceId: "Vpc", ResourceStatus: "CREATE_COMPLETE" }])).toBeUndefined();
  });
});

describe("expiry", () => {
  const now = new Date("2026-03-02T12:00:00Z");
  const stack = (name: string, status: string, tags: Record<string, string>): ManagedStack => ({
    stackName: name,
    status,
    tags,
  });
  const managed = (expiresAt: string) => ({
    "incident-responder:managed": "true",
    "incident-responder:expires-at": expiresAt,
  });

  it("selects managed clean rooms whose expires-at has passed", () => {
    const stacks = [
      stack(
        "incident-responder-cleanroom-ir-20260301-00000001",
        "CREATE_COMPLETE",
        managed("2026-03-02T11:59:59Z"),
      ),
      stack(
        "incident-responder-cleanroom-ir-20260301-00000002",
        "CREATE_COMPLETE",
        managed("2026-03-02T12:00:01Z"),
      ),
      stack(
        "incident-responder-cleanroom-ir-20260301-00000003",
        "ROLLBACK_COMPLETE",
        managed("2026-03-01T00:00:00Z"),
      ),
      stack(
        "incident-responder-cleanroom-ir-20260301-00000004",
        "DELETE_IN_PROGRESS",
        managed("2026-03-01T00:00:00Z"),
      ),
    ];

    const { expired } = selectExpired(stacks, now);

    expect(expired.map((s) => s.stackName)).toEqual([
      "incident-responder-cleanroom-ir-20260301-00000001",
      "incident-responder-cleanroom-ir-20260301-00000003",
    ]);
  });

  it("never selects a stack without the managed tag or the name prefix", () => {
    const stacks = [
      stack("incident-responder-cleanroom-ir-20260301-00000001", "CREATE_COMPLETE", {
        "incident-responder:expires-at": "2020-01-01T00:00:00Z",
      }),
      stack("someone-elses-stack", "CREATE_COMPLETE", managed("2020-01-01T00:00:00Z")),
    ];
    expect(selectExpired(stacks, now)).toEqual({ expired: [], unreadable: [] });
  });

  it("reports a managed clean room whose expiry cannot be read, and leaves it alone", () => {
    const s = stack("incident-responder-cleanroom-ir-20260301-00000001", "CREATE_COMPLETE", {
      "incident-responder:managed": "true",
    });
    expect(selectExpired([s], now)).toEqual({ expired: [], unreadable: [s] });
  });
});
