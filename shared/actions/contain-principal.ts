/**
 * `contain-principal`: an IAM user's active access keys (those the finding names, or all) set
 * Inactive and a deny-all inline policy named after the incident; an IAM role's sessions issued
 * before containment denied (`aws:TokenIssueTime`). Protected, break-glass, service-linked and
 * the responder's own principals are left alone, loudly. Recorded with the state before (the
 * principal's evidence), verified by reading back, undone by `responder release`. Run by the
 * contain lane (shared/workflow/contain-principal.ts).
 */
import * as z from "zod";
import { denyPolicyName } from "../principal/documents.ts";
import { defineAction } from "./types.ts";

/** The step the contain lane records for it. */
export const CONTAIN_PRINCIPAL_STEP = "contain-principal";

export const containPrincipal = defineAction({
  name: "contain-principal",
  summary: "cut off an IAM user (keys inactive, deny-all policy) or a role's older sessions",
  params: z.strictObject({
    /** Which of a user's active keys: those the finding names, or all of them. */
    keys: z.enum(["named", "all"]).default("named"),
    /** Also delete the user's console password (it cannot be restored on release). */
    deleteLoginProfile: z.boolean().default(false),
    /** Containment of a role waits for a person (every legitimate session of the role ends too). */
    rolesRequireApproval: z.boolean().default(true),
  }),
  lane: "contain",
  steps: [CONTAIN_PRINCIPAL_STEP],
  permissions: { contain: ["principals"] },
  describe: ({ params, contexts }) => {
    const principals = contexts
      .map((c) => c.resource)
      .filter((r) => r.kind === "iam-user" || r.kind === "iam-role");
    const names = principals.length
      ? principals.map((r) => `${r.kind === "iam-user" ? "user" : "role"} ${r.id}`)
      : ["the finding's user or role"];
    const policy = denyPolicyName("<incident>");
    return names.flatMap((n) =>
      n.startsWith("role ")
        ? [
            `iam:GetRole + ListRoleTags + ListAttachedRolePolicies + ListRolePolicies ${n} (evidence; protection)`,
            `iam:PutRolePolicy ${n} ${policy} (deny all to sessions issued before now: aws:TokenIssueTime)`,
            `iam:GetRolePolicy ${n} ${policy} (verify)`,
          ]
        : [
            `iam:GetUser + ListUserTags + ListAccessKeys + GetAccessKeyLastUsed + ListAttachedUserPolicies + ListUserPolicies + ListGroupsForUser + GetLoginProfile ${n} (evidence; protection)`,
            `iam:UpdateAccessKey ${n} → Inactive (${params.keys === "all" ? "every active key" : "the active keys the finding names"})`,
            `iam:PutUserPolicy ${n} ${policy} (deny all)`,
            ...(params.deleteLoginProfile
              ? [`iam:DeleteLoginProfile ${n} (the password cannot be restored)`]
              : []),
            `iam:ListAccessKeys + GetUserPolicy ${n} (verify)`,
          ],
    );
  },
});
