/**
 * The parts every handler builds a finding from: resources with ids checked by their kind's
 * grammar, event tags, titles, the lenient fields and their warnings, and the schema every
 * finding satisfies.
 */
import { describe, expect, it } from "vitest";
import type { ResourceKind } from "../../../shared/domain/types.ts";
import {
  FindingSchema,
  IntakeResultSchema,
  idProblem,
  isValidId,
  resource,
  tagsFrom,
  title,
} from "../../../shared/intake/finding.ts";
import {
  ACTED_ON_KINDS,
  IntakeWarnings,
  lenientTime,
  MAX_WARNINGS,
  namedResource,
} from "../../../shared/intake/warnings.ts";
import { rejection } from "./helpers.ts";

const KINDS: [ResourceKind, string, string][] = [
  ["ec2-instance", "i-0123456789abcdef0", "an EC2 instance id (i- and 8 or 17 hex digits)"],
  ["ec2-volume", "vol-0123456789abcdef0", "an EBS volume id (vol-…)"],
  ["ec2-snapshot", "snap-0123456789abcdef0", "an EBS snapshot id (snap-…)"],
  ["ec2-image", "ami-0123456789abcdef0", "an AMI id (ami-…)"],
  ["security-group", "sg-0123456789abcdef0", "a security group id (sg-…)"],
  ["iam-user", "alice", "an IAM user name"],
  ["iam-role", "Deployer", "an IAM role name"],
  ["iam-access-key", "AKIAEXAMPLEEXAMPLE01", "an IAM access key id"],
  ["s3-bucket", "my-bucket", "an S3 bucket name"],
  ["eks-cluster", "prod-cluster", "an EKS cluster name"],
  ["lambda-function", "my_function", "a Lambda function name"],
  ["rds-instance", "db-1", "an RDS DB instance identifier"],
  ["cloudtrail-trail", "main-trail", "a CloudTrail trail name"],
  ["aws-account", "123456789012", "a 12-digit AWS account id"],
  ["other", "anything goes", "an identifier of printable characters"],
];

describe("resource ids", () => {
  it.each(KINDS)("accept a %s id that fits its grammar", (kind, id) => {
    // Act
    const out = resource(kind, id, "p");

    // Assert
    expect(out).toStrictEqual({ kind, id });
    expect(idProblem(kind, id)).toBeUndefined();
    expect(isValidId(kind, id)).toBe(true);
  });

  it.each(KINDS)("refuse a %s id that does not fit, saying what it must be", (kind, _id, what) => {
    // Arrange: a space at the start fits no grammar.
    const bad = " x;rm -rf /";

    // Act
    const err = rejection(() => resource(kind, bad, "detail.x"));

    // Assert
    expect(err.message).toBe(`detail.x: must be ${what} (got "x;rm -rf /")`);
    expect(err.path).toBe("detail.x");
    expect(idProblem(kind, bad)).toBe(`must be ${what} (got "x;rm -rf /")`);
    expect(isValidId(kind, bad)).toBe(false);
  });

  it.each([
    ["a number", 1234, "1234"],
    ["null", null, "null"],
    ["undefined", undefined, "a undefined"],
    ["an object", {}, "an object"],
  ])("refuse %s as an id", (_name, id, got) => {
    // Act
    const err = rejection(() => resource("iam-user", id, "p"));

    // Assert
    expect(err.message).toBe(`p: must be an IAM user name (got ${got})`);
    expect(isValidId("iam-user", id)).toBe(false);
  });

  it("keep an ARN, region, account and tags that fit", () => {
    // Act
    const out = resource("s3-bucket", "b", "p", {
      arn: "arn:aws:s3:::b",
      region: "eu-west-1",
      account: "123456789012",
      tags: { env: "prod" },
    });

    // Assert
    expect(out).toStrictEqual({
      kind: "s3-bucket",
      id: "b",
      arn: "arn:aws:s3:::b",
      region: "eu-west-1",
      account: "123456789012",
      tags: { env: "prod" },
    });
  });

  it("leave out an ARN, region and account that do not fit, and empty tags", () => {
    // Act
    const out = resource("s3-bucket", "b", "p", {
      arn: "arn:aws:s3:::b c",
      region: "Europe",
      account: "12345",
      tags: {},
    });

    // Assert
    expect(out).toStrictEqual({ kind: "s3-bucket", id: "b" });
  });
});

describe("tagsFrom", () => {
  it("reads GuardDuty's key/value pairs", () => {
    // Act
    const out = tagsFrom([
      { key: "env", value: "prod" },
      { key: "team", value: null },
    ]);

    // Assert
    expect(out).toStrictEqual({ env: "prod", team: "" });
  });

  it("reads the EC2 API's Key/Value pairs", () => {
    // Act
    const out = tagsFrom([{ Key: "env", Value: "prod" }]);

    // Assert
    expect(out).toStrictEqual({ env: "prod" });
  });

  it("reads a plain object", () => {
    // Act
    const out = tagsFrom({ env: "prod", owner: "ops" });

    // Assert
    expect(out).toStrictEqual({ env: "prod", owner: "ops" });
  });

  it("skips list entries that are not objects and entries without a key", () => {
    // Act
    const out = tagsFrom([null, "env", 3, { value: "x" }, { key: "a", value: "1" }]);

    // Assert
    expect(out).toStrictEqual({ a: "1" });
  });

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["an empty list", []],
    ["an empty object", {}],
    ["a string", "env=prod"],
    ["a list of keyless entries", [{ value: "x" }]],
  ])("gives no tags for %s", (_name, value) => {
    // Act + Assert
    expect(tagsFrom(value)).toBeUndefined();
  });

  it("cleans keys and values", () => {
    // Act
    const out = tagsFrom([{ key: "Na\nme", value: "a\u202eb" }]);

    // Assert
    expect(out).toStrictEqual({ "\ufffdNa me": "ab" });
  });
});

describe("title", () => {
  it("cleans the title", () => {
    // Act + Assert
    expect(title("  Port\nscan\u0000  ", "fallback")).toBe("Port scan");
  });

  it("caps the title at 512 characters", () => {
    // Act
    const out = title("t".repeat(600), "fallback");

    // Assert
    expect(out).toBe(`${"t".repeat(511)}…`);
  });

  it.each([
    ["nothing printable", "\u0000\u200b "],
    ["an empty title", ""],
    ["null", null],
    ["undefined", undefined],
  ])("falls back, cleaned, when the title has %s", (_name, value) => {
    // Act + Assert
    expect(title(value, "Fall\nback")).toBe("Fall back");
  });
});

describe("IntakeWarnings", () => {
  it("writes a warning as path: message, or the message alone without a path", () => {
    // Arrange
    const warnings = new IntakeWarnings();

    // Act
    warnings.add("detail.x", "is odd");
    warnings.add("", "something else");

    // Assert
    expect(warnings.list()).toStrictEqual(["detail.x: is odd", "something else"]);
  });

  it("keeps exactly MAX_WARNINGS with nothing more to say", () => {
    // Arrange
    const warnings = new IntakeWarnings();

    // Act
    for (let i = 0; i < MAX_WARNINGS; i++) warnings.add("", `w${i}`);

    // Assert
    expect(warnings.list()).toStrictEqual(Array.from({ length: MAX_WARNINGS }, (_, i) => `w${i}`));
  });

  it("says one more warning was left out", () => {
    // Arrange
    const warnings = new IntakeWarnings();

    // Act
    for (let i = 0; i <= MAX_WARNINGS; i++) warnings.add("", `w${i}`);

    // Assert
    expect(warnings.list().at(-1)).toBe("… and 1 more warnings");
    expect(warnings.list()).toHaveLength(MAX_WARNINGS + 1);
  });

  it("gives a copy that a caller cannot change", () => {
    // Arrange
    const warnings = new IntakeWarnings();
    warnings.add("a", "b");

    // Act
    warnings.list().push("forged");

    // Assert
    expect(warnings.list()).toStrictEqual(["a: b"]);
  });
});

describe("namedResource", () => {
  it("acts on EC2 instances and volumes only", () => {
    // Assert
    expect([...ACTED_ON_KINDS]).toStrictEqual(["ec2-instance", "ec2-volume"]);
  });

  it.each([
    ["ec2-instance", "an EC2 instance id (i- and 8 or 17 hex digits)"],
    ["ec2-volume", "an EBS volume id (vol-…)"],
  ] as const)("rejects a malformed %s id", (kind, what) => {
    // Arrange
    const warnings = new IntakeWarnings();

    // Act
    const err = rejection(() => namedResource(kind, "x-1", "detail.id", warnings));

    // Assert
    expect(err.message).toBe(`detail.id: must be ${what} (got "x-1")`);
    expect(warnings.list()).toStrictEqual([]);
  });

  it("leaves out a malformed id of another kind, with a warning", () => {
    // Arrange
    const warnings = new IntakeWarnings();

    // Act
    const out = namedResource("ec2-snapshot", "snap-1111", "detail.snapshotId", warnings);

    // Assert
    expect(out).toStrictEqual([]);
    expect(warnings.list()).toStrictEqual([
      'detail.snapshotId: must be an EBS snapshot id (snap-…) (got "snap-1111"); not named as an affected resource',
    ]);
  });

  it("names a well-formed resource with its extras and no warning", () => {
    // Arrange
    const warnings = new IntakeWarnings();

    // Act
    const out = namedResource("ec2-snapshot", "snap-0123456789abcdef0", "p", warnings, {
      region: "eu-west-1",
    });
    const strict = namedResource("ec2-instance", "i-0123456789abcdef0", "p", warnings);

    // Assert
    expect(out).toStrictEqual([{ kind: "ec2-snapshot", id: "snap-0123456789abcdef0", region: "eu-west-1" }]);
    expect(strict).toStrictEqual([{ kind: "ec2-instance", id: "i-0123456789abcdef0" }]);
    expect(warnings.list()).toStrictEqual([]);
  });
});

describe("lenientTime", () => {
  it.each([
    ["undefined", undefined],
    ["null", null],
  ])("reads %s as no time, without a warning", (_name, value) => {
    // Arrange
    const warnings = new IntakeWarnings();

    // Act
    const out = lenientTime(value, "t", warnings);

    // Assert
    expect(out).toBeUndefined();
    expect(warnings.list()).toStrictEqual([]);
  });

  it("keeps an ISO time with an offset", () => {
    // Arrange
    const warnings = new IntakeWarnings();

    // Act
    const out = lenientTime("2024-05-01T10:00:00+02:00", "t", warnings);

    // Assert
    expect(out).toBe("2024-05-01T10:00:00+02:00");
    expect(warnings.list()).toStrictEqual([]);
  });

  it.each([
    ["a time without T", "2024-05-01 10:00:00", '"2024-05-01 10:00:00"'],
    ["a number", 1714557600, "1714557600"],
    ["an empty string", "", '""'],
  ])("refuses %s with a warning", (_name, value, got) => {
    // Arrange
    const warnings = new IntakeWarnings();

    // Act
    const out = lenientTime(value, "detail.updatedAt", warnings);

    // Assert
    expect(out).toBeUndefined();
    expect(warnings.list()).toStrictEqual([
      `detail.updatedAt: must be an ISO-8601 date-time (got ${got}); not used`,
    ]);
  });
});

describe("FindingSchema", () => {
  const base = {
    id: "f-1",
    source: "guardduty",
    type: "t",
    title: "T",
    severity: 5,
    time: "2024-05-01T10:00:00Z",
    account: "123456789012",
    region: "eu-west-1",
    resources: [{ kind: "iam-role", id: "r", sessionOfRole: "a+b=c,d.e@f-g_h" }],
    drill: false,
    warnings: ["w"],
    product: { aws: true },
    raw: {},
  };

  it.each(["guardduty", "cloudtrail", "config", "securityhub", "alarm"])(
    "accepts a finding from %s",
    (source) => {
      // Act + Assert
      expect(FindingSchema.safeParse({ ...base, source }).success).toBe(true);
    },
  );

  it.each([
    ["an unknown source", { source: "inspector" }],
    ["a session name with a slash", { resources: [{ kind: "iam-role", id: "r", sessionOfRole: "a/b" }] }],
    [
      "a session name of 65 characters",
      { resources: [{ kind: "iam-role", id: "r", sessionOfRole: "s".repeat(65) }] },
    ],
    ["an empty session name", { resources: [{ kind: "iam-role", id: "r", sessionOfRole: "" }] }],
    [
      "a session name with text after it",
      { resources: [{ kind: "iam-role", id: "r", sessionOfRole: "a b" }] },
    ],
  ])("refuses %s", (_name, change) => {
    // Act + Assert
    expect(FindingSchema.safeParse({ ...base, ...change }).success).toBe(false);
  });

  it("accepts a session name of 64 characters", () => {
    // Arrange
    const finding = { ...base, resources: [{ kind: "iam-role", id: "r", sessionOfRole: "s".repeat(64) }] };

    // Act + Assert
    expect(FindingSchema.safeParse(finding).success).toBe(true);
  });

  it("accepts both kinds of intake result", () => {
    // Act
    const finding = IntakeResultSchema.safeParse({ kind: "finding", finding: base });
    const ignored = IntakeResultSchema.safeParse({
      kind: "ignored",
      reason: "why",
      source: "s",
      detailType: "d",
    });
    const empty = IntakeResultSchema.safeParse({ kind: "ignored", reason: "" });

    // Assert
    expect(finding.success).toBe(true);
    expect(ignored.success).toBe(true);
    expect(empty.success).toBe(false);
  });
});
