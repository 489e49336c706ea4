/**
 * Release of what the contain lane recorded besides the network isolation: the per-instance
 * deny policy deleted from the role (exactly the one recorded, nothing else on the role), and
 * each interface's connection tracking timeouts put back.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import { DeleteRolePolicyCommand, GetRolePolicyCommand, type IAMClient } from "@aws-sdk/client-iam";
import { errorCode } from "../aws/errors.ts";
import { restoreTracking } from "../connection-tracking/cut.ts";
import type { ActionResult } from "../domain/types.ts";
import { describeError } from "../errors/index.ts";
import { AccessRecordSchema } from "./lane.ts";
import type { Counter, CredentialRecord } from "./revoke.ts";

/** What release did and what is still open, per instance. */
export interface AccessRelease {
  steps: ActionResult[];
  open: string[];
  calls: number;
}

/**
 * Releases the recorded access changes of one instance (`raw`: its entry of the incident's
 * `containment.access`, validated here).
 */
export async function releaseAccess(
  raw: unknown,
  clients: { ec2: EC2Client; iam?: IAMClient | undefined },
  dryRun: boolean,
): Promise<AccessRelease> {
  const record = AccessRecordSchema.parse(raw);
  const counter = { calls: 0 };
  const [tracking, credentials] = await Promise.all([
    restoreTracking(clients.ec2, record.connectionTracking, dryRun, counter),
    record.credentials
      ? clients.iam
        ? deleteRevocation(clients.iam, record.credentials, dryRun, counter)
        : Promise.resolve<ActionResult>({
            name: "release:revoke-sessions",
            target: record.credentials.roleName,
            status: "failed",
            detail: `no IAM client: delete ${record.credentials.policyName} from ${record.credentials.roleName} by hand`,
          })
      : Promise.resolve(undefined),
  ]);
  const steps = [...tracking, ...(credentials ? [credentials] : [])];
  return {
    steps,
    open: steps.filter((s) => s.status === "failed").map((s) => `${s.name} ${s.target}: ${s.detail}`),
    calls: counter.calls,
  };
}

/**
 * Release: deletes exactly the recorded policy (a policy already gone counts as deleted), and
 * reads the role back to confirm it is gone.
 */
export async function deleteRevocation(
  iam: IAMClient,
  record: CredentialRecord,
  dryRun: boolean,
  counter: Counter,
): Promise<ActionResult> {
  const base = { name: "release:revoke-sessions", target: record.roleName };
  const call = `iam:DeleteRolePolicy ${record.roleName} ${record.policyName}`;
  if (dryRun) return { ...base, status: "skipped", detail: `dry run: ${call}` };
  counter.calls++;
  try {
    await iam.send(new DeleteRolePolicyCommand({ RoleName: record.roleName, PolicyName: record.policyName }));
  } catch (err) {
    if (errorCode(err) !== "NoSuchEntity")
      return { ...base, status: "failed", detail: `${call}: ${describeError(err)}` };
  }
  counter.calls++;
  try {
    await iam.send(new GetRolePolicyCommand({ RoleName: record.roleName, PolicyName: record.policyName }));
    return { ...base, status: "failed", detail: `${call}: the policy still reads back` };
  } catch (err) {
    if (errorCode(err) === "NoSuchEntity")
      return { ...base, status: "ok", detail: `${call} (gone on read-back)` };
    return { ...base, status: "failed", detail: `${call}: could not read back: ${describeError(err)}` };
  }
}
