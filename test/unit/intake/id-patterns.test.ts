/**
 * The id grammars every source is checked against, at their edges: the shortest and longest
 * id that fits, one character fewer or more, each end of every character range, and text
 * before or after an id that fits.
 */
import { describe, expect, it } from "vitest";
import { CloudTrailDetailSchema } from "../../../shared/intake/schemas/cloudtrail.ts";
import { ID_PATTERNS } from "../../../shared/intake/schemas/common.ts";
import { ConfigComplianceDetailSchema } from "../../../shared/intake/schemas/config.ts";
import { SCENARIO_PATTERN } from "../../../shared/intake/schemas/drill.ts";
import { GUARDDUTY_TYPE_PATTERN, GuardDutyDetailSchema } from "../../../shared/intake/schemas/guardduty.ts";
import { AsffResourceSchema } from "../../../shared/intake/schemas/securityhub.ts";

const x = (n: number, c = "x") => c.repeat(n);

/** The EC2 ids share one shape: a prefix, then 8 or 17 lower-case hex digits. */
function ec2Ids(prefix: string) {
  return {
    fits: [
      `${prefix}09af09af`,
      `${prefix}0123456789abcdef0`,
      `${prefix}fedcba9876543210f`,
      `${prefix}90fa90fa`,
    ],
    refused: [
      `${prefix}09af09a`,
      `${prefix}09af09af0`,
      `${prefix}0123456789abcdef`,
      `${prefix}0123456789abcdef01`,
      `${prefix}09AF09AF`,
      `${prefix}09ag09af`,
      `${prefix}09af09a-`,
      `x${prefix}09af09af`,
      `${prefix}09af09af\n`,
      ` ${prefix}09af09af`,
      `${prefix}09af09af `,
      `${prefix}0123456789abcdef0 `,
      "09af09af",
      "",
    ],
  };
}

const GRAMMARS: Record<string, { pattern: RegExp; fits: string[]; refused: string[] }> = {
  instanceId: { pattern: ID_PATTERNS.instanceId, ...ec2Ids("i-") },
  volumeId: { pattern: ID_PATTERNS.volumeId, ...ec2Ids("vol-") },
  snapshotId: { pattern: ID_PATTERNS.snapshotId, ...ec2Ids("snap-") },
  imageId: { pattern: ID_PATTERNS.imageId, ...ec2Ids("ami-") },
  securityGroupId: { pattern: ID_PATTERNS.securityGroupId, ...ec2Ids("sg-") },
  account: {
    pattern: ID_PATTERNS.account,
    fits: ["012345678999", "987654321000"],
    refused: [
      "01234567899",
      "0123456789990",
      "01234567899a",
      " 012345678999",
      "012345678999 ",
      "0123456789 9",
    ],
  },
  region: {
    pattern: ID_PATTERNS.region,
    fits: [
      "us-east-1",
      "eu-isoe-west-1",
      "az-a0z9",
      "ab-c",
      "abcdefgh-z",
      `us-${x(16, "a")}`,
      "us-gov-west-1-a",
      "us-0",
      "zz-9",
    ],
    refused: [
      "a-east-1",
      "abcdefghi-east-1",
      "us",
      "us-",
      "us-a-b-c-d-e",
      `us-${x(17, "a")}`,
      "US-east-1",
      "us-East-1",
      "u1-east-1",
      "us_east_1",
      "us-east-1 ",
      " us-east-1",
      "us--1",
      "us-east-",
    ],
  },
  partition: {
    pattern: ID_PATTERNS.partition,
    fits: ["aws", "aws-cn", "aws-us-gov", "aws-az", "aws-za", `aws-${x(10, "z")}`, "aws-iso-ab"],
    refused: [
      "aws-a",
      `aws-${x(11, "a")}`,
      "aws-ab-cd-ef",
      "awss",
      "xaws",
      "aws-",
      "aws-AB",
      "aws-a1",
      "aws ",
      " aws",
      "AWS",
    ],
  },
  accessKeyId: {
    pattern: ID_PATTERNS.accessKeyId,
    fits: ["AKIA_EXAMPLE_012", x(128, "A"), "akiazz0123456789"],
    refused: [
      x(15, "A"),
      x(129, "A"),
      "AKIA-EXAMPLE-012",
      "AKIA EXAMPLE 012",
      ` ${x(16, "A")}`,
      `${x(16, "A")} `,
    ],
  },
  iamName: {
    pattern: ID_PATTERNS.iamName,
    fits: ["a", x(128, "a"), "a+b=c,d.e@f-g_h0", "+", "=", ",", ".", "@", "-", "_", "Z"],
    refused: ["", x(129, "a"), "a/b", "a b", "a:b", " a", "a ", "a\n"],
  },
  bucketName: {
    pattern: ID_PATTERNS.bucketName,
    fits: ["a", "A", "Z", "z", "0", "9", "aAZaz09._-", `0${x(254)}`],
    refused: ["", `0${x(255)}`, ".abc", "-abc", "_abc", "a b", "a/b", " a", "a ", "a:b"],
  },
  eksClusterName: {
    pattern: ID_PATTERNS.eksClusterName,
    fits: ["0", "9", "A", "Z", "a", "z", "aAZaz09_-", `a${x(99)}`],
    refused: ["", `a${x(100)}`, "-a", "_a", "a.b", "a b", " a", "a "],
  },
  lambdaFunctionName: {
    pattern: ID_PATTERNS.lambdaFunctionName,
    fits: ["AZaz09_-", "a", x(64)],
    refused: ["", x(65), "a.b", "a:b", "a b", " a", "a "],
  },
  rdsInstanceId: {
    pattern: ID_PATTERNS.rdsInstanceId,
    fits: ["A", "Z", "a", "z", "aAZaz09-", `a${x(62)}`],
    refused: ["", `a${x(63)}`, "0a", "-a", "a_b", "a.b", " a", "a "],
  },
  trailName: {
    pattern: ID_PATTERNS.trailName,
    fits: ["ab", "A0", "Z0", "a0", "z0", "00", "90", "aAZaz09._-", `a${x(127)}`],
    refused: ["a", "", `a${x(128)}`, ".ab", "-ab", "_ab", "a b", " ab", "ab ", "a/b"],
  },
  eventId: {
    pattern: ID_PATTERNS.eventId,
    fits: ["A", "Z", "a", "z", "0", "9", "aAZaz09._:-", `a${x(127)}`, "6f1f0f4e-aaaa-bbbb-cccc-dddddddddddd"],
    refused: ["", `a${x(128)}`, "-a", ".a", ":a", "_a", " a", "a ", "a/b", "a b"],
  },
  guardDutyFindingId: {
    pattern: ID_PATTERNS.guardDutyFindingId,
    fits: ["AZaz09_-", "a", x(300)],
    refused: ["", x(301), "a.b", "a b", " a", "a ", "a:b"],
  },
  arn: {
    pattern: ID_PATTERNS.arn,
    fits: ["arn:aws:", "arn:!~!~", `arn:${x(2043)}`, "arn:aws:iam::123456789012:role/Deployer"],
    refused: [
      "arn:abc",
      `arn:${x(2044)}`,
      "arn:a b c",
      "xarn:aaaa",
      "arn:aaaa\n",
      "ARN:aaaa",
      "arn:aaa\u007f",
      " arn:aaaa",
    ],
  },
  genericId: {
    pattern: ID_PATTERNS.genericId,
    fits: ["!", "~", "a b", "! ~", `a${x(1022, " ")}a`, "ab"],
    refused: ["", " ", " a", "a ", `a${x(1023, " ")}a`, "a\tb", "é", "a\u007f", "\u007f"],
  },
  scenario: {
    pattern: SCENARIO_PATTERN,
    fits: ["A", "Z", "a", "z", "0", "9", "aAZaz09._:/-", `a${x(127)}`, "compromised-instance"],
    refused: ["", `a${x(128)}`, "-a", "/a", ".a", "a b", " a", "a ", "a\\b", "a;b"],
  },
  guardDutyType: {
    pattern: GUARDDUTY_TYPE_PATTERN,
    fits: [
      "Backdoor:EC2/C&CActivity.B!DNS",
      "UnauthorizedAccess:EC2/SSHBruteForce",
      "a:b/c",
      "AZaz09:AZaz09/AZaz09&._-!AZaz09._-",
      `${x(64, "A")}:${x(64, "B")}/${x(128, "C")}!${x(64, "D")}`,
    ],
    refused: [
      ":b/c",
      "a:/c",
      "a:b/",
      "a:b/c!",
      `${x(65, "A")}:b/c`,
      `a:${x(65, "B")}/c`,
      `a:b/${x(129, "C")}`,
      `a:b/c!${x(65, "D")}`,
      "a-b:c/d",
      "a:b-c/d",
      "a:b/c d",
      "a:b/c!d&e",
      "a:b/c!d!e",
      "a:b:c/d",
      " a:b/c",
      "a:b/c ",
      "a:b/c\n",
      "a.b:c/d",
    ],
  },
};

describe.each(Object.entries(GRAMMARS).filter(([, g]) => g.fits.length > 0))(
  "the %s grammar",
  (_name, grammar) => {
    it.each(grammar.fits)("accepts %j", (value) => {
      // Act + Assert
      expect(grammar.pattern.test(value)).toBe(true);
    });

    it.each(grammar.refused)("refuses %j", (value) => {
      // Act + Assert
      expect(grammar.pattern.test(value)).toBe(false);
    });
  },
);

/** Grammars written inline in a schema, checked through the field's own schema. */
const FIELDS = [
  {
    name: "a GuardDuty resource type",
    schema: GuardDutyDetailSchema.shape.resource.unwrap().shape.resourceType,
    fits: ["Instance", "AZaz09", x(64, "A")],
    refused: ["", x(65, "A"), "Access Key", "S3_Bucket", " Instance", "Instance "],
  },
  {
    name: "an API action name",
    schema: CloudTrailDetailSchema.shape.eventName,
    fits: ["StopLogging", "AZaz09_", x(128, "A")],
    refused: ["", x(129, "A"), "Stop-Logging", "Stop Logging", " StopLogging", "StopLogging "],
  },
  {
    name: "a service endpoint",
    schema: CloudTrailDetailSchema.shape.eventSource,
    fits: ["ec2.amazonaws.com", "a.b", "az09-.az09-", `${x(64, "a")}.b`, `a.${x(64, "b")}`, "a.b.c.d.e"],
    refused: [
      "ec2",
      "a.b.c.d.e.f",
      `${x(65, "a")}.b`,
      `a.${x(65, "b")}`,
      "EC2.amazonaws.com",
      "ec2.amazonaws.com ",
      " ec2.amazonaws.com",
      "ec2..com",
      "ec2_x.amazonaws.com",
      "a.",
      ".a",
    ],
  },
  {
    name: "a Config resource type",
    schema: ConfigComplianceDetailSchema.shape.resourceType,
    fits: [
      "AWS::EC2::Instance",
      "AWS::",
      "AWS::S3",
      "AWS::::Bucket",
      "AWS::AZaz09::AZaz09::AZaz09",
      `AWS::${x(64, "A")}`,
    ],
    refused: [
      "AWS",
      "aws::EC2::Instance",
      "AWS::EC2::Instance::X::Y",
      `AWS::${x(65, "A")}`,
      `AWS::EC2::${x(65, "A")}`,
      "AWS::EC2::Inst-ance",
      " AWS::EC2::Instance",
      "AWS::EC2::Instance ",
      "AWS:EC2",
      "AWS::EC2:Instance",
    ],
  },
  {
    name: "a Config rule name",
    schema: ConfigComplianceDetailSchema.shape.configRuleName,
    fits: ["a", "AZaz09._:/-", x(128)],
    refused: ["", x(129), "a b", "a\\b", "a@b", " a", "a "],
  },
  {
    name: "an ASFF resource type",
    schema: AsffResourceSchema.shape.Type,
    fits: ["AwsEc2Instance", "AZaz09:_-", x(256)],
    refused: ["", x(257), "Aws Ec2", "Aws.Ec2", "Aws/Ec2", " Aws", "Aws "],
  },
];

describe.each(FIELDS)("$name", ({ schema, fits, refused }) => {
  it.each(fits)("accepts %j", (value) => {
    // Act + Assert
    expect(schema.safeParse(value).success).toBe(true);
  });

  it.each(refused)("refuses %j", (value) => {
    // Act + Assert
    expect(schema.safeParse(value).success).toBe(false);
  });
});
