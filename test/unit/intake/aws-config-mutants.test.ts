/**
 * The AWS Config handler's own verdict for a non-compliant evaluation.
 */
import { describe, expect, it } from "vitest";
import { NO_TRUST } from "../../../shared/intake/account.ts";
import { normalizeConfigCompliance } from "../../../shared/intake/aws-config.ts";
import type { IntakeContext } from "../../../shared/intake/context.ts";
import { EnvelopeSchema } from "../../../shared/intake/schemas/envelope.ts";
import { IntakeWarnings } from "../../../shared/intake/warnings.ts";
import { envelope } from "./helpers.ts";

describe("normalizeConfigCompliance", () => {
  it("returns a finding verdict for a NON_COMPLIANT evaluation", () => {
    // Arrange
    const ctx: IntakeContext = {
      envelope: EnvelopeSchema.parse(
        envelope("aws.config", "Config Rules Compliance Change", {
          resourceId: "my-bucket",
          resourceType: "AWS::S3::Bucket",
          configRuleName: "s3-public-read-prohibited",
          newEvaluationResult: { complianceType: "NON_COMPLIANT" },
        }),
      ),
      prefix: "",
      drill: false,
      options: { minSeverity: 0, includeFailedCalls: false, trust: NO_TRUST },
      warnings: new IntakeWarnings(),
    };

    // Act
    const result = normalizeConfigCompliance(ctx);

    // Assert
    expect(result).toStrictEqual({
      kind: "finding",
      finding: {
        id: "s3-public-read-prohibited/AWS::S3::Bucket/my-bucket/2024-05-01T10:00:00Z",
        source: "config",
        type: "config:s3-public-read-prohibited",
        title: "Config rule s3-public-read-prohibited: AWS::S3::Bucket my-bucket is non-compliant",
        severity: 5,
        time: "2024-05-01T10:00:00Z",
        account: "123456789012",
        region: "eu-west-1",
        resources: [{ kind: "s3-bucket", id: "my-bucket", account: "123456789012", region: "eu-west-1" }],
      },
    });
  });
});
