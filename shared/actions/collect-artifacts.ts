/**
 * `collect-artifacts`: volatile and configuration artifacts of the instance (description,
 * interfaces, security groups, Elastic IPs, profile and role, volumes, fleet, console output,
 * recent API activity, the triggering event and the triage) and of the IAM users and roles the
 * finding names (principal-state: keys, policies, groups, login profile, tags), each streamed to the evidence
 * bucket with its SHA-256. Run by the evidence lane; the manifest seals it.
 */
import * as z from "zod";
import { defineEvidenceAction } from "./evidence-lane.ts";
import { ARTIFACT_STEP } from "./step-names.ts";

export const collectArtifacts = defineEvidenceAction({
  name: "collect-artifacts",
  summary: "volatile and configuration artifacts, archived with their SHA-256",
  params: z.strictObject({
    storageClass: z.enum(["STANDARD", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR"]).optional(),
  }),
  step: ARTIFACT_STEP,
  modules: ["artifacts", "principalState"],
  describe: ({ params, instances, contexts }) => [
    ...instances.flatMap((ctx) => {
      const id = ctx.resource.id;
      const enis = ctx.networkInterfaceIds?.length
        ? ctx.networkInterfaceIds.join(", ")
        : `interfaces of ${id}`;
      const groups = [...new Set(ctx.exposure.openIngress.map((r) => r.groupId))];
      return [
        `ec2:DescribeInstances ${id}`,
        `ec2:DescribeNetworkInterfaces ${enis}`,
        `ec2:DescribeSecurityGroups (groups of ${id}${groups.length ? `: ${groups.join(", ")}…` : ""})`,
        `ec2:GetConsoleOutput ${id}`,
        `ec2:GetConsoleScreenshot ${id}`,
        `cloudtrail:LookupEvents (ResourceName=${id})`,
      ];
    }),
    ...contexts
      .map((c) => c.resource)
      .filter((r) => r.kind === "iam-user" || r.kind === "iam-role")
      .map(
        (r) =>
          `iam:${r.kind === "iam-user" ? "GetUser + ListAccessKeys + GetAccessKeyLastUsed + ListAttachedUserPolicies + ListUserPolicies + ListGroupsForUser + GetLoginProfile + ListUserTags" : "GetRole + ListAttachedRolePolicies + ListRolePolicies + ListRoleTags"} ${r.id} (principal-state artifact)`,
      ),
    `s3:PutObject evidence bucket (each artifact: SSE-KMS, Object Lock, SHA-256, storage class ${params.storageClass ?? "STANDARD"})`,
    "s3:PutObject evidence bucket (manifest of SHA-256 hashes)",
  ],
});
