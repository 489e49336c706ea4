/**
 * Release of a contained principal (`responder release`, run by people with their own
 * credentials): the keys the responder deactivated back to Active, the incident's inline deny
 * policy deleted, each read back. The record comes from the incident (./schema.ts).
 */
import {
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { errorCode } from "../aws/errors.ts";
import { recordedAttempt } from "../domain/attempt.ts";
import type { ActionResult } from "../domain/types.ts";
import { CallCount } from "./iam.ts";
import type { PrincipalRecord } from "./state-schema.ts";

const missing = (err: unknown) =>
  errorCode(err) === "NoSuchEntity" || errorCode(err) === "NoSuchEntityException";

/** The outcome of releasing one principal. */
export interface PrincipalRelease {
  label: string;
  status: "released" | "failed" | "dry-run";
  steps: ActionResult[];
  open: string[];
  calls: number;
  rounds: number;
}

/**
 * Undoes one principal's containment: the keys the responder deactivated back to Active (only
 * those, and only while they are Inactive), the incident's inline policy deleted. A deleted
 * console password cannot be restored: the step says so (`unsupported`) with the command to
 * recreate one.
 */
export async function releasePrincipal(
  iam: IAMClient,
  record: PrincipalRecord,
  opts: { dryRun: boolean },
): Promise<PrincipalRelease> {
  const count = new CallCount();
  const label = `${record.kind}/${record.name}`;
  const steps: ActionResult[] = [];
  const open: string[] = [];
  const keys =
    record.kind === "user"
      ? ((await count.round([iam.send(new ListAccessKeysCommand({ UserName: record.name }))]))[0]
          ?.AccessKeyMetadata ?? [])
      : [];
  const toRestore = keys.filter(
    (k) => record.deactivatedKeys.includes(k.AccessKeyId ?? "") && k.Status === "Inactive",
  );
  if (opts.dryRun) {
    for (const k of toRestore)
      steps.push({
        name: "reactivate-access-key",
        target: label,
        status: "skipped",
        detail: `dry run: ${k.AccessKeyId} → Active`,
      });
    steps.push({
      name: "delete-deny-policy",
      target: label,
      status: "skipped",
      detail: `dry run: delete ${record.policyName}`,
    });
    return { label, status: "dry-run", steps, open, calls: count.calls, rounds: count.rounds };
  }
  const attempt = recordedAttempt(steps, label, {
    open,
    recover: (name, err) =>
      name === "delete-deny-policy" && missing(err) ? `${record.policyName} already gone` : undefined,
  });
  await count.round([
    ...toRestore.map((k) =>
      attempt("reactivate-access-key", `${k.AccessKeyId} Inactive → Active`, () =>
        iam.send(
          new UpdateAccessKeyCommand({
            UserName: record.name,
            AccessKeyId: k.AccessKeyId ?? "",
            Status: "Active",
          }),
        ),
      ),
    ),
    attempt("delete-deny-policy", `deleted ${record.policyName}`, () =>
      record.kind === "user"
        ? iam.send(new DeleteUserPolicyCommand({ UserName: record.name, PolicyName: record.policyName }))
        : iam.send(new DeleteRolePolicyCommand({ RoleName: record.name, PolicyName: record.policyName })),
    ),
  ]);
  if (record.loginProfileDeleted) {
    steps.push({
      name: "restore-login-profile",
      target: label,
      status: "unsupported",
      detail: `the console password deleted at containment cannot be restored: set a new one (aws iam create-login-profile --user-name ${record.name} --password-reset-required)`,
    });
  }
  // Read back: the policy is gone and the keys are Active again.
  const [names, after] = await count.round<unknown>([
    record.kind === "user"
      ? iam.send(new ListUserPoliciesCommand({ UserName: record.name }))
      : iam.send(new ListRolePoliciesCommand({ RoleName: record.name })),
    record.kind === "user"
      ? iam.send(new ListAccessKeysCommand({ UserName: record.name }))
      : Promise.resolve(undefined),
  ]);
  if (((names as { PolicyNames?: string[] }).PolicyNames ?? []).includes(record.policyName))
    open.push(`${record.policyName} is still on the ${record.kind}`);
  for (const k of (after as { AccessKeyMetadata?: { AccessKeyId?: string; Status?: string }[] } | undefined)
    ?.AccessKeyMetadata ?? [])
    if (toRestore.some((r) => r.AccessKeyId === k.AccessKeyId) && k.Status !== "Active")
      open.push(`${k.AccessKeyId} is still ${k.Status}`);
  return {
    label,
    status: open.length ? "failed" : "released",
    steps,
    open,
    calls: count.calls,
    rounds: count.rounds,
  };
}
