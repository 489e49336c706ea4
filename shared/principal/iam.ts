/**
 * IAM calls of principal containment: reads a principal's state (the evidence recorded before
 * any change), contains it (keys Inactive, the incident's deny policy, the login profile when
 * asked), verifies by reading back, and releases it. Every change is recorded with the state it
 * replaced, idempotent (a retry finds its work done) and undone by release. The decisions are
 * in ./target.ts, ./guard.ts and ./documents.ts.
 */
import {
  DeleteLoginProfileCommand,
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { errorCode } from "../aws/errors.ts";
import { recordedAttempt } from "../domain/attempt.ts";
import type { ActionResult } from "../domain/types.ts";
import { describeError } from "../errors/index.ts";
import { denyPolicyName, roleDenyDocument, sameDocument, userDenyDocument } from "./documents.ts";
import type { PrincipalRecord, PrincipalState } from "./state-schema.ts";
import { type KeyState, keysToDeactivate, type PrincipalTarget, principalArn } from "./target.ts";

/** Counts the calls and rounds (calls sent together) of one principal's containment. */
export class CallCount {
  calls = 0;
  rounds = 0;
  /** Sends a round of calls at once. */
  async round<T>(work: Promise<T>[]): Promise<T[]> {
    this.rounds += 1;
    this.calls += work.length;
    return Promise.all(work);
  }
}

const missing = (err: unknown) =>
  errorCode(err) === "NoSuchEntity" || errorCode(err) === "NoSuchEntityException";

/** Reads a principal's state: the evidence kept before containment. Undefined when it does not exist. */
export async function readPrincipal(
  iam: IAMClient,
  target: PrincipalTarget,
  count = new CallCount(),
): Promise<PrincipalState | undefined> {
  const name = target.name;
  try {
    if (target.kind === "role") {
      const [role, attached, inline, tags] = await count.round<unknown>([
        iam.send(new GetRoleCommand({ RoleName: name })),
        iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name })),
        iam.send(new ListRolePoliciesCommand({ RoleName: name })),
        iam.send(new ListRoleTagsCommand({ RoleName: name })),
      ]);
      const r = (role as { Role?: { Arn?: string; Path?: string; RoleLastUsed?: { LastUsedDate?: Date } } })
        .Role;
      return {
        arn: r?.Arn ?? principalArn(target),
        path: r?.Path ?? "/",
        tags: tagMap((tags as { Tags?: { Key?: string; Value?: string }[] }).Tags),
        keys: [],
        attachedPolicies: (
          (attached as { AttachedPolicies?: { PolicyArn?: string }[] }).AttachedPolicies ?? []
        ).map((p) => p.PolicyArn ?? ""),
        inlinePolicies: (inline as { PolicyNames?: string[] }).PolicyNames ?? [],
        groups: [],
        ...(r?.RoleLastUsed?.LastUsedDate ? { lastUsed: r.RoleLastUsed.LastUsedDate.toISOString() } : {}),
      };
    }
    const [user, keys, attached, inline, groups, tags, profile] = await count.round<unknown>([
      iam.send(new GetUserCommand({ UserName: name })),
      iam.send(new ListAccessKeysCommand({ UserName: name })),
      iam.send(new ListAttachedUserPoliciesCommand({ UserName: name })),
      iam.send(new ListUserPoliciesCommand({ UserName: name })),
      iam.send(new ListGroupsForUserCommand({ UserName: name })),
      iam.send(new ListUserTagsCommand({ UserName: name })),
      iam.send(new GetLoginProfileCommand({ UserName: name })).catch((err) => {
        if (missing(err)) return undefined;
        throw err;
      }),
    ]);
    const u = (user as { User?: { Arn?: string; Path?: string; PasswordLastUsed?: Date } }).User;
    const listed =
      (keys as { AccessKeyMetadata?: { AccessKeyId?: string; Status?: string; CreateDate?: Date }[] })
        .AccessKeyMetadata ?? [];
    const used = await count.round(
      listed.map((k) => iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKeyId ?? "" }))),
    );
    const lp = (
      profile as { LoginProfile?: { CreateDate?: Date; PasswordResetRequired?: boolean } } | undefined
    )?.LoginProfile;
    return {
      arn: u?.Arn ?? principalArn(target),
      path: u?.Path ?? "/",
      tags: tagMap((tags as { Tags?: { Key?: string; Value?: string }[] }).Tags),
      keys: listed.map((k, i): KeyState => {
        const last = used[i]?.AccessKeyLastUsed;
        return {
          accessKeyId: k.AccessKeyId ?? "",
          status: k.Status === "Active" ? "Active" : "Inactive",
          ...(k.CreateDate ? { createDate: k.CreateDate.toISOString() } : {}),
          ...(last?.LastUsedDate ? { lastUsedDate: last.LastUsedDate.toISOString() } : {}),
          ...(last?.ServiceName ? { lastUsedService: last.ServiceName } : {}),
          ...(last?.Region ? { lastUsedRegion: last.Region } : {}),
        };
      }),
      attachedPolicies: (
        (attached as { AttachedPolicies?: { PolicyArn?: string }[] }).AttachedPolicies ?? []
      ).map((p) => p.PolicyArn ?? ""),
      inlinePolicies: (inline as { PolicyNames?: string[] }).PolicyNames ?? [],
      groups: ((groups as { Groups?: { GroupName?: string }[] }).Groups ?? []).map((g) => g.GroupName ?? ""),
      ...(lp
        ? {
            loginProfile: {
              ...(lp.CreateDate ? { createDate: lp.CreateDate.toISOString() } : {}),
              passwordResetRequired: lp.PasswordResetRequired ?? false,
            },
          }
        : {}),
      ...(u?.PasswordLastUsed ? { lastUsed: u.PasswordLastUsed.toISOString() } : {}),
    };
  } catch (err) {
    if (missing(err)) return undefined;
    throw err;
  }
}

function tagMap(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
}

/** How to contain one principal. */
export interface ContainPrincipalOptions {
  incidentId: string;
  /** Which keys: those the finding names, or all of the user's. */
  keys: "named" | "all";
  /** AWS's quarantine signal: every key. */
  quarantine: boolean;
  /** Delete the user's console password (it cannot be restored: release says so). */
  deleteLoginProfile: boolean;
  /** Sessions of a role issued before this instant are denied (ISO-8601). */
  cutoff: string;
  /** The record of an earlier attempt, kept: its state before and the keys it deactivated. */
  previous?: PrincipalRecord;
  /** Writes the record before the first change, so that a crash mid-way leaves it for release. */
  persist(record: PrincipalRecord): Promise<void>;
}

/** The outcome of containing one principal. */
export interface PrincipalOutcome {
  record: PrincipalRecord;
  status: "verified" | "failed";
  steps: ActionResult[];
  /** What reading back found not as written. */
  open: string[];
  notes: string[];
  calls: number;
  rounds: number;
}

/**
 * Contains one principal whose state was read (`before`) and that the guard allows: a user's
 * keys set Inactive and the deny-all policy put; a role's deny for older sessions put. Verified
 * by reading back.
 */
export async function containPrincipal(
  iam: IAMClient,
  target: PrincipalTarget,
  before: PrincipalState,
  opts: ContainPrincipalOptions,
  count: CallCount,
): Promise<PrincipalOutcome> {
  const policyName = denyPolicyName(opts.incidentId);
  const cutoff = opts.previous?.cutoff ?? opts.cutoff;
  const document =
    target.kind === "user" ? userDenyDocument(opts.incidentId) : roleDenyDocument(opts.incidentId, cutoff);
  const plan =
    target.kind === "user"
      ? keysToDeactivate(before.keys, target.accessKeyIds, { scope: opts.keys, quarantine: opts.quarantine })
      : { deactivate: [], notes: [] };
  const record: PrincipalRecord = {
    kind: target.kind,
    name: target.name,
    account: target.account,
    arn: before.arn,
    policyName,
    ...(target.kind === "role" ? { cutoff } : {}),
    deactivatedKeys: [...new Set([...(opts.previous?.deactivatedKeys ?? []), ...plan.deactivate])],
    ...(opts.previous?.loginProfileDeleted ? { loginProfileDeleted: opts.previous.loginProfileDeleted } : {}),
    ...(opts.deleteLoginProfile && before.loginProfile && !opts.previous?.loginProfileDeleted
      ? { loginProfileDeleted: before.loginProfile }
      : {}),
    before: opts.previous?.before ?? before,
    containedAt: opts.previous?.containedAt ?? new Date().toISOString(),
  };
  await opts.persist(record);
  const steps: ActionResult[] = [];
  const label = `${target.kind}/${target.name}`;
  const attempt = recordedAttempt(steps, label);
  const changes: Promise<void>[] = plan.deactivate.map((id) =>
    attempt("deactivate-access-key", `${id} Active → Inactive`, () =>
      iam.send(new UpdateAccessKeyCommand({ UserName: target.name, AccessKeyId: id, Status: "Inactive" })),
    ),
  );
  changes.push(
    attempt(
      "deny-policy",
      target.kind === "user"
        ? `inline ${policyName}: deny all`
        : `inline ${policyName}: deny all to sessions issued before ${cutoff}`,
      () =>
        target.kind === "user"
          ? iam.send(
              new PutUserPolicyCommand({
                UserName: target.name,
                PolicyName: policyName,
                PolicyDocument: document,
              }),
            )
          : iam.send(
              new PutRolePolicyCommand({
                RoleName: target.name,
                PolicyName: policyName,
                PolicyDocument: document,
              }),
            ),
    ),
  );
  if (record.loginProfileDeleted && before.loginProfile) {
    changes.push(
      attempt("delete-login-profile", "console password deleted (it cannot be restored)", () =>
        iam.send(new DeleteLoginProfileCommand({ UserName: target.name })),
      ),
    );
  }
  await count.round(changes);
  const open = await verifyContained(iam, target, record, document, count);
  const failed = steps.some((s) => s.status === "failed");
  return {
    record,
    status: open.length === 0 && !failed ? "verified" : "failed",
    steps,
    open,
    notes: plan.notes,
    calls: count.calls,
    rounds: count.rounds,
  };
}

/** Reads back what containment wrote: what is not as written. */
async function verifyContained(
  iam: IAMClient,
  target: PrincipalTarget,
  record: PrincipalRecord,
  document: string,
  count: CallCount,
): Promise<string[]> {
  const open: string[] = [];
  const reads: Promise<void>[] = [
    (target.kind === "user"
      ? iam.send(new GetUserPolicyCommand({ UserName: target.name, PolicyName: record.policyName }))
      : iam.send(new GetRolePolicyCommand({ RoleName: target.name, PolicyName: record.policyName }))
    ).then(
      (out) => {
        if (!sameDocument(out.PolicyDocument, document))
          open.push(`${record.policyName} does not read back as written`);
      },
      (err) => {
        open.push(`${record.policyName}: ${missing(err) ? "not found" : describeError(err)}`);
      },
    ),
  ];
  if (target.kind === "user") {
    reads.push(
      iam.send(new ListAccessKeysCommand({ UserName: target.name })).then((out) => {
        for (const k of out.AccessKeyMetadata ?? [])
          if (record.deactivatedKeys.includes(k.AccessKeyId ?? "") && k.Status !== "Inactive")
            open.push(`${k.AccessKeyId} is still ${k.Status}`);
      }),
    );
    if (record.loginProfileDeleted)
      reads.push(
        iam.send(new GetLoginProfileCommand({ UserName: target.name })).then(
          () => {
            open.push("the login profile still exists");
          },
          (err) => {
            if (!missing(err)) open.push(`login profile: ${describeError(err)}`);
          },
        ),
      );
  }
  await count.round(reads);
  return open;
}
