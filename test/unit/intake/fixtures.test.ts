/**
 * Pins the outcome of every event fixture, as delivered and wrapped in a drill.
 */
import { describe, expect, it } from "vitest";
import type { ResourceKind } from "../../../shared/domain/types.ts";
import { FindingSchema, normalizeEvent, wrapDrill } from "../../../shared/intake/index.ts";
import { allFixturePaths, expectFinding, expectIgnored, expectInvalid, fixture } from "./helpers.ts";

type Outcome =
  | {
      finding: {
        type: string;
        severity: number;
        resources: [ResourceKind, string][];
        title?: string;
      };
    }
  | { ignored: string }
  | { invalid: string; message: string };

interface Expectation {
  plain: Outcome;
  /** Outcome when wrapped in a drill; paths of errors gain the `detail.event.` prefix. */
  drill: Outcome;
}

const SAMPLE = "sample GuardDuty finding";
const SSH_BRUTE_FORCE: Outcome = {
  finding: {
    type: "UnauthorizedAccess:EC2/SSHBruteForce",
    severity: 2,
    resources: [["ec2-instance", "i-99999999"]],
    title: "198.51.100.0 is performing SSH brute force attacks against i-99999999.",
  },
};
const same = (o: Outcome): Expectation => ({ plain: o, drill: o });
const invalidBoth = (path: string, message: string): Expectation => ({
  plain: { invalid: path, message },
  drill: { invalid: `detail.event.${path}`, message },
});

const EXPECTED: Record<string, Expectation> = {
  // GuardDuty: every fixture is a sample finding, so it runs only as a drill.
  // The sample's body names account 883606788610 while its envelope says 101010101111: sent as a
  // drill from 101010101111, which is no delegated administrator, it may not act in another account.
  "guardduty/Backdoor_EC2_C_CActivity.B_DNS.json": {
    plain: { ignored: SAMPLE },
    drill: {
      invalid: "detail.event.detail.accountId",
      message: "names account 883606788610, but the event came from account 101010101111",
    },
  },
  "guardduty/MalwareProtectionObjectScanResult_S3_OBJECT.json": same({
    ignored:
      'detail-type "GuardDuty Malware Protection Object Scan Result" of "aws.guardduty" is not handled',
  }),
  "guardduty/PenTest_S3_ParrotLinux.json": {
    plain: { ignored: "archived GuardDuty finding" },
    drill: {
      finding: {
        type: "PenTest:S3/ParrotLinux",
        severity: 5,
        resources: [
          ["s3-bucket", "bucketName"],
          ["iam-access-key", "GeneratedFindingAccessKeyId"],
          ["iam-user", "GeneratedFindingUserName"],
        ],
      },
    },
  },
  "guardduty/Stealth_IAMUser_LoggingConfigurationModified.json": {
    plain: { ignored: SAMPLE },
    drill: {
      finding: {
        type: "Stealth:IAMUser/LoggingConfigurationModified",
        severity: 5,
        resources: [
          ["iam-access-key", "GeneratedFindingAccessKeyId"],
          ["iam-user", "bsmith"],
        ],
        title: "Unusual changes to API activity logging by bsmith.",
      },
    },
  },
  "guardduty/UnauthorizedAccess_IAMUser_InstanceCredentialExfiltration.OutsideAWS.json": same({
    finding: {
      type: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
      severity: 8,
      resources: [
        ["iam-access-key", "ASIAQEXAMPLE7RSTUVWX"],
        ["iam-role", "web-role"],
        ["ec2-instance", "i-0123456789abcdef0"],
      ],
      title: "Credentials for instance role web-role used from external IP address.",
    },
  }),
  "guardduty/UnauthorizedAccess_EC2_SSHBruteForce.json": {
    plain: { ignored: SAMPLE },
    drill: SSH_BRUTE_FORCE,
  },

  // CloudTrail
  "cloudtrail/AuthorizeSecurityGroupIngress_0.0.0.0_0_port22.json": same({
    finding: {
      type: "cloudtrail:AuthorizeSecurityGroupIngress/OpenToWorld",
      severity: 7,
      resources: [
        ["security-group", "sg-0db7d4784c4db8612"],
        ["aws-account", "963584523464"],
      ],
      title:
        "Admin port opened to the internet: sg-0db7d4784c4db8612: tcp 22 from 0.0.0.0/0, tcp 22 from ::/0 (by root)",
    },
  }),
  "cloudtrail/ConsoleLogin_root_noMFA_success.json": same({
    finding: {
      type: "cloudtrail:ConsoleLogin/Root",
      severity: 9,
      resources: [["aws-account", "111122223333"]],
      title: "Root user signed in to the console: without MFA (by root)",
    },
  }),
  "cloudtrail/CreateSampleFindings_guardduty.json": same({
    ignored: "CreateSampleFindings (guardduty.amazonaws.com) is not in the risky-call catalogue",
  }),
  "cloudtrail/PutBucketPolicy_nonpublic_vpce_deny.json": same({
    ignored:
      'not risky: PutBucketPolicy (s3.amazonaws.com) matches none of "Bucket policy grants public access"',
  }),
  "cloudtrail/PutBucketPolicy_public.json": same({
    finding: {
      type: "cloudtrail:PutBucketPolicy/Public",
      severity: 8,
      resources: [
        ["s3-bucket", "testjcazurebucket"],
        ["iam-user", "johndoe"],
      ],
    },
  }),
  "cloudtrail/RunInstances.json": same({
    ignored: "RunInstances (ec2.amazonaws.com) is not in the risky-call catalogue",
  }),
  "cloudtrail/StopLogging.json": same({
    finding: {
      type: "cloudtrail:StopLogging",
      severity: 8,
      resources: [
        ["cloudtrail-trail", "stratus-red-team-ct-stop-trail-buykxbqejv"],
        ["iam-user", "christophe"],
        ["iam-access-key", "AKIAGGWFBBHBE7D3M9WI"],
      ],
    },
  }),

  // AWS Config
  "config/ConfigurationItemChange_EC2_Instance_CREATE.json": same({
    ignored: 'detail-type "Config Configuration Item Change" of "aws.config" is not handled',
  }),
  "config/lambda-function-public-access-prohibited_COMPLIANT.json": same({
    ignored: 'Config evaluation is "COMPLIANT", not NON_COMPLIANT',
  }),
  "config/volumes-prod-tags_EC2Volume_NON_COMPLIANT.json": same({
    finding: {
      type: "config:volumes-prod-tags",
      severity: 5,
      resources: [["ec2-volume", "vol-0f0b1ec8ced432a26"]],
      title:
        "Config rule volumes-prod-tags: AWS::EC2::Volume vol-0f0b1ec8ced432a26 is non-compliant (Tag costcenter is not present.)",
    },
  }),

  // Security Hub
  "securityhub/CIS_1.3_AwsAccount_Imported.json": same({
    finding: {
      type: "securityhub:Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark",
      severity: 5,
      resources: [["aws-account", "111111111111"]],
      title: "1.3 Ensure credentials unused for 90 days or greater are disabled",
    },
  }),
  "securityhub/GuardDuty_UnauthorizedAccess_EC2_SSHBruteForce_Imported.json": same({
    finding: {
      type: "securityhub:TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce",
      severity: 5,
      resources: [["ec2-instance", "i-0c10c2c7863d1a356"]],
    },
  }),
  "securityhub/InsightResults.json": same({
    ignored: 'detail-type "Security Hub Insight Results" of "aws.securityhub" is not handled',
  }),

  // Malformed and odd events
  "malformed/constructed_archived_finding.json": {
    plain: { ignored: "archived GuardDuty finding (service.archived is true)" },
    drill: SSH_BRUTE_FORCE,
  },
  "malformed/constructed_cloudtrail_requestParameters_null.json": invalidBoth(
    "detail.requestParameters",
    "AuthorizeSecurityGroupIngress needs requestParameters to be assessed, got null",
  ),
  "malformed/constructed_detail_is_json_string.json": invalidBoth(
    "detail",
    "a JSON-encoded detail string is not accepted",
  ),
  "malformed/constructed_detail_pascalcase_api_shape.json": invalidBoth("detail.id", "PascalCase"),
  "malformed/constructed_empty_object.json": invalidBoth("source", "is required"),
  "malformed/constructed_huge_strings.json": {
    plain: { ignored: SAMPLE },
    drill: {
      finding: {
        type: "UnauthorizedAccess:EC2/SSHBruteForce",
        severity: 2,
        resources: [["ec2-instance", "i-99999999"]],
      },
    },
  },
  "malformed/constructed_instanceId_injection_string.json": invalidBoth(
    "detail.resource.instanceDetails.instanceId",
    'must be an EC2 instance id (i- and 8 or 17 hex digits) (got "i-0123abcd; rm -rf / #")',
  ),
  "malformed/constructed_missing_detail.json": invalidBoth("detail", "is required"),
  "malformed/constructed_securityhub_empty_findings.json": invalidBoth(
    "detail.findings",
    "must contain at least one finding",
  ),
  "malformed/constructed_severity_out_of_range.json": invalidBoth(
    "detail.severity",
    "must be a severity between 0 and 10 (got 99.9)",
  ),
  "malformed/constructed_unicode_control_chars.json": {
    plain: { ignored: SAMPLE },
    drill: {
      finding: {
        type: "UnauthorizedAccess:EC2/SSHBruteForce",
        severity: 2,
        resources: [["ec2-instance", "i-99999999"]],
        title: "evil 🔥 <script>alert(1)</script> ' OR 1=1 --",
      },
    },
  },
  // Decision: accepted. The type fits GuardDuty's grammar, and GuardDuty adds types and even
  // threat purposes (AttackSequence, Object) over time; dropping an unknown one would silently
  // miss a real finding. The grammar still keeps injection out of the type.
  "malformed/constructed_unknown_finding_type.json": {
    plain: { ignored: SAMPLE },
    drill: {
      finding: {
        type: "Foo:EC2/NotARealFindingType.X!DNS",
        severity: 2,
        resources: [["ec2-instance", "i-99999999"]],
        title: "Unknown finding type",
      },
    },
  },
};

function check(event: unknown, outcome: Outcome) {
  if ("finding" in outcome) {
    const finding = expectFinding(event);
    expect(FindingSchema.safeParse(finding).success).toBe(true);
    expect(finding.type).toBe(outcome.finding.type);
    expect(finding.severity).toBe(outcome.finding.severity);
    expect(finding.resources.map((r) => [r.kind, r.id])).toEqual(outcome.finding.resources);
    if (outcome.finding.title !== undefined) expect(finding.title).toBe(outcome.finding.title);
    expect(finding.raw).toBe(event);
    return finding;
  }
  if ("ignored" in outcome) {
    expect(expectIgnored(event).reason).toContain(outcome.ignored);
    return undefined;
  }
  const err = expectInvalid(event);
  expect(err.path).toBe(outcome.invalid);
  expect(err.message).toContain(outcome.message);
  return undefined;
}

describe("event fixtures", () => {
  it("pins every fixture file", () => {
    // Arrange
    const files = allFixturePaths();

    // Act
    const unpinned = files.filter((f) => !(f in EXPECTED));
    const missing = Object.keys(EXPECTED).filter((f) => !files.includes(f));

    // Assert
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(unpinned).toEqual([]);
    expect(missing).toEqual([]);
  });

  describe.each(Object.entries(EXPECTED))("%s", (path, expected) => {
    it("gives the pinned outcome as delivered", () => {
      // Arrange
      const event = fixture(path);

      // Act + Assert
      const finding = check(event, expected.plain);
      if (finding) expect(finding.drill).toBe(false);
    });

    it("gives the pinned outcome wrapped in a drill", () => {
      // Arrange
      const event = wrapDrill(fixture(path), "fixture-drill");

      // Act + Assert
      const finding = check(event, expected.drill);
      if (finding) {
        expect(finding.drill).toBe(true);
        expect(finding.scenario).toBe("fixture-drill");
      }
    });
  });

  it("carries GuardDuty instance tags into the resource", () => {
    // Arrange
    const event = wrapDrill(fixture("guardduty/UnauthorizedAccess_EC2_SSHBruteForce.json"), "tags");

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources[0]?.tags).toMatchObject({
      GeneratedFindingInstaceTag1: "GeneratedFindingInstaceValue1",
      GeneratedFindingInstaceTag9: "GeneratedFindingInstaceTagValue9",
    });
    expect(Object.keys(finding.resources[0]?.tags ?? {})).toHaveLength(9);
    expect(finding.resources[0]?.arn).toBe("arn:aws:ec2:us-east-1:785665517223:instance/i-99999999");
  });

  it("caps huge titles and tag lists", () => {
    // Arrange
    const event = wrapDrill(fixture("malformed/constructed_huge_strings.json"), "huge");

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toHaveLength(512);
    expect(finding.title.endsWith("…")).toBe(true);
    expect(Object.keys(finding.resources[0]?.tags ?? {})).toHaveLength(50);
  });

  it("strips control characters and repairs lone surrogates in tags", () => {
    // Arrange
    const event = wrapDrill(fixture("malformed/constructed_unicode_control_chars.json"), "unicode");

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources[0]?.tags?.GeneratedFindingInstaceTag1).toBe("lone-surrogate:\uFFFD nullbyte");
  });

  it("reads the same verdict twice from the same fixture", () => {
    // Arrange
    const event = fixture("cloudtrail/StopLogging.json");

    // Act
    const first = normalizeEvent(event);
    const second = normalizeEvent(event);

    // Assert
    expect(second).toEqual(first);
  });
});
