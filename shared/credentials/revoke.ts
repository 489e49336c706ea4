/**
 * `revoke-instance-credentials` against AWS: reads the instance's role from the account
 * (DescribeInstances → its instance profile → GetInstanceProfile → GetRole), puts the
 * per-instance deny policy on it (PutRolePolicy: idempotent, the same document every time),
 * and reads it back (GetRolePolicy). Release (./release.ts) deletes exactly the policy recorded.
 */
import { DescribeInstancesCommand, type EC2Client, type InstanceNetworkInterface } from "@aws-sdk/client-ec2";
import {
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import * as z from "zod";
import { errorCode } from "../aws/errors.ts";
import type { ActionResult } from "../domain/types.ts";
import { describeError } from "../errors/index.ts";
import {
  instanceArn,
  type PolicyDocument,
  parseProfileArn,
  type RoleFacts,
  type RoleGuardConfig,
  revokeDocument,
  revokePolicyName,
  roleRefusal,
  sameDocument,
} from "./statement.ts";

/** What was written on a role for one instance: all release needs. */
export const CredentialRecordSchema = z.strictObject({
  instanceId: z.string(),
  roleName: z.string(),
  roleArn: z.string(),
  policyName: z.string(),
  /** The document as written (JSON). */
  document: z.string(),
  instanceProfileArn: z.string(),
  writtenAt: z.string(),
});
export type CredentialRecord = z.infer<typeof CredentialRecordSchema>;

/** Call counting shared with the connection-tracking cut. */
export interface Counter {
  calls: number;
}

/** The instance as round 1 read it. */
export interface InstanceFacts {
  exists: boolean;
  state?: string | undefined;
  instanceProfileArn?: string | undefined;
  interfaces: InstanceNetworkInterface[];
}

/** Round 1: the instance (its profile and its interfaces with their connection tracking). */
export async function describeInstance(
  ec2: EC2Client,
  instanceId: string,
  counter: Counter,
): Promise<InstanceFacts> {
  counter.calls++;
  try {
    const res = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const inst = res.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    if (!inst) return { exists: false, interfaces: [] };
    return {
      exists: true,
      state: inst.State?.Name,
      instanceProfileArn: inst.IamInstanceProfile?.Arn,
      interfaces: inst.NetworkInterfaces ?? [],
    };
  } catch (err) {
    if (errorCode(err) === "InvalidInstanceID.NotFound") return { exists: false, interfaces: [] };
    throw err;
  }
}

/** The role behind an instance profile, read from IAM (the profile's role, then its tags and path). */
export async function roleOfProfile(
  iam: IAMClient,
  profileArn: string,
  counter: Counter,
): Promise<{ role: RoleFacts } | { error: string }> {
  const parsed = parseProfileArn(profileArn);
  if (!parsed) return { error: `not an instance profile ARN: ${profileArn}` };
  counter.calls++;
  const profile = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: parsed.name }));
  if (profile.InstanceProfile?.Arn !== profileArn)
    return {
      error: `instance profile ${parsed.name} reads back as ${profile.InstanceProfile?.Arn}, not ${profileArn}`,
    };
  const roles = profile.InstanceProfile.Roles ?? [];
  const roleName = roles[0]?.RoleName;
  if (!roleName) return { error: `instance profile ${parsed.name} has no role: no credentials to revoke` };
  counter.calls++;
  const got = await iam.send(new GetRoleCommand({ RoleName: roleName }));
  const r = got.Role;
  return {
    role: {
      roleName,
      arn: r?.Arn ?? roles[0]?.Arn ?? "",
      path: r?.Path ?? roles[0]?.Path ?? "/",
      tags: Object.fromEntries((r?.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
    },
  };
}

/** What {@link putRevocation} needs. */
export interface RevokeOptions {
  incidentId: string;
  instanceId: string;
  account: string;
  region: string;
  dryRun: boolean;
  guard: RoleGuardConfig;
  now: () => Date;
}

/** The outcome for one instance: its steps, what was written, and what is still open. */
export interface RevokeResult {
  steps: ActionResult[];
  record?: CredentialRecord;
  open: string[];
}

const STEP = "identity:revoke-sessions";

/**
 * Puts the deny policy on the role (unless the guard refuses it) and reads it back. A refused
 * role is left alone and reported as still open: stolen credentials stay valid, and people
 * are told so.
 */
export async function putRevocation(
  iam: IAMClient,
  profileArn: string,
  role: RoleFacts,
  opts: RevokeOptions,
  counter: Counter,
): Promise<RevokeResult> {
  const refusal = roleRefusal(role, opts.guard);
  if (refusal)
    return {
      steps: [{ name: STEP, target: role.roleName, status: "skipped", detail: `left alone: ${refusal}` }],
      open: [`credentials of ${opts.instanceId} NOT revoked: ${refusal}; revoke them by hand`],
    };
  const partition = parseProfileArn(profileArn)?.partition ?? "aws";
  const document = revokeDocument(instanceArn(partition, opts.region, opts.account, opts.instanceId));
  const policyName = revokePolicyName(opts.incidentId, opts.instanceId);
  const text = JSON.stringify(document);
  const record: CredentialRecord = {
    instanceId: opts.instanceId,
    roleName: role.roleName,
    roleArn: role.arn,
    policyName,
    document: text,
    instanceProfileArn: profileArn,
    writtenAt: opts.now().toISOString(),
  };
  const call = `iam:PutRolePolicy ${role.roleName} ${policyName} (Deny * when ec2:SourceInstanceARN = ${document.Statement[0]?.Condition.StringEquals["ec2:SourceInstanceARN"]})`;
  if (opts.dryRun)
    return {
      steps: [{ name: STEP, target: role.roleName, status: "skipped", detail: `dry run: ${call}` }],
      open: [],
    };
  counter.calls++;
  try {
    await iam.send(
      new PutRolePolicyCommand({ RoleName: role.roleName, PolicyName: policyName, PolicyDocument: text }),
    );
  } catch (err) {
    return {
      steps: [
        { name: STEP, target: role.roleName, status: "failed", detail: `${call}: ${describeError(err)}` },
      ],
      open: [`credentials of ${opts.instanceId} not revoked: ${describeError(err)}`],
    };
  }
  const check = await readBack(iam, role.roleName, policyName, document, counter);
  return {
    steps: [
      {
        name: STEP,
        target: role.roleName,
        status: check.ok ? "ok" : "failed",
        detail: `${call}; ${check.detail}`,
        data: { policyName },
      },
    ],
    record,
    open: check.ok ? [] : [`credential statement on ${role.roleName} ${check.detail}`],
  };
}

async function readBack(
  iam: IAMClient,
  roleName: string,
  policyName: string,
  document: PolicyDocument,
  counter: Counter,
): Promise<{ ok: boolean; detail: string }> {
  counter.calls++;
  try {
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
    return sameDocument(got.PolicyDocument, document)
      ? { ok: true, detail: "read back as written (GetRolePolicy)" }
      : { ok: false, detail: `reads back differently: ${got.PolicyDocument}` };
  } catch (err) {
    return { ok: false, detail: `could not be read back: ${describeError(err)}` };
  }
}
