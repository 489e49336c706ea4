/**
 * Security Hub `Findings - Imported` events for integration tests, built from the real-format
 * fixture: one ASFF finding, from the product given, naming the instances given.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

// biome-ignore lint/suspicious/noExplicitAny: fixture documents are untyped JSON
type Json = any;

export interface SecurityHubOptions {
  account: string;
  region: string;
  instanceIds: string[];
  /** ASFF ProductArn: AWS's own (`…::product/aws/guardduty`) or a custom import (`…:product/<account>/default`). */
  productArn: string;
  productName?: string;
  companyName?: string;
  /** Name the instances by bare id (`i-…`) instead of by ARN. */
  bareIds?: boolean;
  label?: "CRITICAL" | "HIGH" | "MEDIUM" | "LOW";
}

/** AWS's own GuardDuty product in a region. */
export const awsProductArn = (region: string, name = "guardduty") =>
  `arn:aws:securityhub:${region}::product/aws/${name}`;

/** The product of `BatchImportFindings` by an account for itself (anyone with the permission). */
export const customProductArn = (region: string, account: string) =>
  `arn:aws:securityhub:${region}:${account}:product/${account}/default`;

/** An imported-findings event with one active finding; returns the event and the ASFF finding id. */
export function securityHubFinding(o: SecurityHubOptions): {
  event: Record<string, unknown>;
  findingId: string;
} {
  const e: Json = JSON.parse(
    readFileSync(
      new URL(
        "../fixtures/events/securityhub/GuardDuty_UnauthorizedAccess_EC2_SSHBruteForce_Imported.json",
        import.meta.url,
      ),
      "utf8",
    ),
  );
  const now = new Date().toISOString();
  const f = e.detail.findings[0];
  const findingId = `${o.productArn}/finding/${randomBytes(8).toString("hex")}`;
  f.Id = findingId;
  f.ProductArn = o.productArn;
  f.AwsAccountId = o.account;
  f.Region = o.region;
  f.CreatedAt = now;
  f.UpdatedAt = now;
  f.Severity = { Label: o.label ?? "CRITICAL" };
  f.ProductFields = {};
  if (o.productName) f.ProductName = o.productName;
  if (o.companyName) f.CompanyName = o.companyName;
  f.Title = `Suspicious activity on ${o.instanceIds.join(", ")}`.slice(0, 256);
  f.Resources = o.instanceIds.map((id) => ({
    Type: "AwsEc2Instance",
    Id: o.bareIds ? id : `arn:aws:ec2:${o.region}:${o.account}:instance/${id}`,
    Partition: "aws",
    Region: o.region,
  }));
  const event = {
    ...e,
    id: randomUUID(),
    account: o.account,
    region: o.region,
    time: now,
    resources: [findingId],
  };
  return { event, findingId };
}
