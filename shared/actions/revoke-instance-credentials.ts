/**
 * `revoke-instance-credentials`: an inline policy on the instance's role, named after the
 * incident, that denies everything to the role's sessions whose credentials were issued to
 * this instance (`ec2:SourceInstanceARN`): credentials already taken from the instance
 * metadata service stop working wherever they are used, and the sibling instances that share
 * the role keep working. The role is read from the account (the instance's profile), never
 * from the event; service-linked, protected and the responder's own roles are left alone and
 * reported. Verified by reading the policy back; release deletes exactly that policy.
 *
 * Runs in the contain lane, as part of its `contain` step, beside the network isolation of
 * `contain-instance` and on the same instances (shared/credentials/lane.ts): planned without
 * `contain-instance` it does nothing.
 */
import * as z from "zod";
import type { ResourceContext } from "../domain/types.ts";
import { CONTAIN_STEP } from "./step-names.ts";
import { defineAction } from "./types.ts";

/** Its parameters (none yet). */
export const revokeInstanceCredentials = defineAction({
  name: "revoke-instance-credentials",
  summary:
    "deny the instance's role sessions from this instance only (stolen instance credentials stop working)",
  params: z.strictObject({}),
  lane: "contain",
  steps: [CONTAIN_STEP],
  permissions: { contain: ["instanceCredentials"] },
  describe: ({ instances }) => instances.flatMap(revokeCalls),
});

function revokeCalls(ctx: ResourceContext): string[] {
  const id = ctx.resource.id;
  const profile = ctx.exposure.instanceProfileArn;
  if (!profile) return [`(none: ${id} has no instance profile, so no role credentials to revoke)`];
  return [
    `iam:GetInstanceProfile ${profile} + iam:GetRole (its role, path and tags: service-linked, protected and the responder's own roles are left alone)`,
    `iam:PutRolePolicy <role> incident-responder-revoke-<incident> (Deny * on * when ec2:SourceInstanceARN = ${id}'s ARN)`,
    "iam:GetRolePolicy (read the statement back)",
  ];
}
