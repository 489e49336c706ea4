/**
 * What the contain lane does for an instance besides its network isolation
 * (shared/containment): the connection tracking cut on every interface, and — when the plan
 * has `revoke-instance-credentials` — the per-instance deny statement on its role. Both run
 * beside the isolation (their reads in the same first round), so they add no round to it:
 *
 *   round 1  DescribeInstances (profile, interfaces and their connection tracking)
 *   round 2  GetInstanceProfile  ‖ ModifyNetworkInterfaceAttribute ConnectionTrackingSpecification × interfaces
 *   round 3  GetRole (path, tags: the guard) ‖ DescribeNetworkInterfaces (read the timeouts back)
 *   round 4  PutRolePolicy
 *   round 5  GetRolePolicy (read the statement back)
 *
 * An instance named only by a role session (a credential-exfiltration finding) is first
 * checked: it must exist in the account and use the role the finding names, or nothing is
 * done to it (rounds 1–3 then run before its isolation).
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { IAMClient } from "@aws-sdk/client-iam";
import * as z from "zod";
import {
  applyTracking,
  MINIMUM_TIMEOUTS,
  type TrackingRecord,
  TrackingRecordSchema,
  verifyTracking,
} from "../connection-tracking/cut.ts";
import type { ContainmentOutcome } from "../containment/index.ts";
import type { ActionResult } from "../domain/types.ts";
import { describeError } from "../errors/index.ts";
import {
  type Counter,
  type CredentialRecord,
  CredentialRecordSchema,
  describeInstance,
  type InstanceFacts,
  putRevocation,
  roleOfProfile,
} from "./revoke.ts";
import type { RoleFacts, RoleGuardConfig } from "./statement.ts";

/** What the lane recorded for one instance, for release. */
export const AccessRecordSchema = z.strictObject({
  credentials: CredentialRecordSchema.optional(),
  connectionTracking: z.array(TrackingRecordSchema),
});
export type AccessRecord = z.infer<typeof AccessRecordSchema>;

/** Options of {@link containWithAccess}. */
export interface AccessOptions {
  incidentId: string;
  account: string;
  region: string;
  dryRun: boolean;
  /** The plan has `revoke-instance-credentials`. */
  revoke: boolean;
  guard: RoleGuardConfig;
  /** The instance was named by a role session of this role: act only if it uses it. */
  claimedRole?: string | undefined;
  /** The responder's deny-all profile: an instance already wearing it is read through `recordedProfileArn`. */
  isolationProfileArn?: string | undefined;
  /** The instance's own profile as an earlier attempt recorded it. */
  recordedProfileArn?: string | undefined;
  /** What an earlier attempt recorded (its `previous` timeouts are kept). */
  previous?: AccessRecord | undefined;
  now: () => Date;
}

/** The containment outcome with this lane's steps, and what to record. */
export interface AccessOutcome {
  outcome: ContainmentOutcome;
  record?: AccessRecord;
}

interface Branch {
  rounds: number;
  steps: ActionResult[];
  open: string[];
}

/**
 * Contains an instance (`isolate`: the network isolation of shared/containment) together with
 * the connection tracking cut and, when planned, the revocation of its role credentials.
 * Never throws for an AWS error of its own steps: they are reported `failed` and left open.
 */
export async function containWithAccess(
  instanceId: string,
  clients: { ec2: EC2Client; iam?: IAMClient | undefined },
  opts: AccessOptions,
  isolate: () => Promise<ContainmentOutcome>,
): Promise<AccessOutcome> {
  const counter: Counter = { calls: 0 };
  let gateRounds = 0;
  let facts: InstanceFacts | undefined;
  let role: { role: RoleFacts; profileArn: string } | { error: string } | undefined;

  if (opts.claimedRole) {
    // Named by a role session only: believe it once the account confirms it.
    const gate = await checkSession(instanceId, clients, opts, counter);
    gateRounds = gate.rounds;
    if ("refused" in gate)
      return { outcome: refusedOutcome(instanceId, gate.refused, gate.rounds, counter.calls) };
    facts = gate.facts;
    role = gate.role;
  }

  const access = async (): Promise<{
    rounds: number;
    steps: ActionResult[];
    open: string[];
    record: AccessRecord;
  }> => {
    let rounds = 0;
    if (!facts) {
      rounds++;
      try {
        facts = await describeInstance(clients.ec2, instanceId, counter);
      } catch (err) {
        return {
          rounds,
          steps: [
            { name: "observe:access", target: instanceId, status: "failed", detail: describeError(err) },
          ],
          open: [`connection tracking and credentials of ${instanceId} unknown: ${describeError(err)}`],
          record: { connectionTracking: opts.previous?.connectionTracking ?? [] },
        };
      }
    }
    if (!facts.exists || facts.state === "terminated" || facts.state === "shutting-down")
      return { rounds, steps: [], open: [], record: { connectionTracking: [] } };
    const known = facts;
    const tracking: Promise<Branch & { records: TrackingRecord[] }> = cutTracking(
      clients.ec2,
      known,
      opts,
      counter,
    );
    const credentials: Promise<Branch & { record?: CredentialRecord }> = opts.revoke
      ? revoke(instanceId, clients.iam, known, role, opts, counter)
      : Promise.resolve({ rounds: 0, steps: [], open: [] });
    const [t, c] = await Promise.all([tracking, credentials]);
    return {
      rounds: rounds + Math.max(t.rounds, c.rounds),
      steps: [...t.steps, ...c.steps],
      open: [...t.open, ...c.open],
      record: {
        connectionTracking: t.records,
        ...(c.record
          ? { credentials: c.record }
          : opts.previous?.credentials
            ? { credentials: opts.previous.credentials }
            : {}),
      },
    };
  };

  const [outcome, mine] = await Promise.all([isolate(), access()]);
  const open = [...outcome.verification.open, ...mine.open];
  const ok = outcome.verification.ok && mine.open.length === 0;
  return {
    outcome: {
      ...outcome,
      status: outcome.status === "verified" && !ok ? "failed" : outcome.status,
      steps: [...outcome.steps, ...mine.steps],
      verification: { ok, open },
      rounds: gateRounds + outcome.rounds,
      totalRounds: gateRounds + Math.max(outcome.totalRounds, mine.rounds),
      calls: outcome.calls + counter.calls,
    },
    record: mine.record,
  };
}

/** The profile to read the role through: the recorded one, else the current one unless it is the responder's. */
function profileOf(facts: InstanceFacts, opts: AccessOptions): string | undefined {
  if (opts.recordedProfileArn) return opts.recordedProfileArn;
  if (facts.instanceProfileArn && facts.instanceProfileArn === opts.isolationProfileArn) return undefined;
  return facts.instanceProfileArn;
}

async function checkSession(
  instanceId: string,
  clients: { ec2: EC2Client; iam?: IAMClient | undefined },
  opts: AccessOptions,
  counter: Counter,
): Promise<
  | { refused: string; rounds: number }
  | { facts: InstanceFacts; role: { role: RoleFacts; profileArn: string }; rounds: number }
> {
  const claimed = opts.claimedRole ?? "";
  let rounds = 1;
  try {
    const facts = await describeInstance(clients.ec2, instanceId, counter);
    if (!facts.exists)
      return {
        refused: `${instanceId} (named by a role session of ${claimed}) does not exist in account ${opts.account}`,
        rounds,
      };
    const profileArn = profileOf(facts, opts);
    if (!profileArn)
      return {
        refused: `${instanceId} has no instance profile of its own: it cannot be the instance whose ${claimed} credentials were taken`,
        rounds,
      };
    if (!clients.iam) return { refused: `no IAM client to check the role of ${instanceId}`, rounds };
    rounds += 2;
    const r = await roleOfProfile(clients.iam, profileArn, counter);
    if ("error" in r) return { refused: r.error, rounds };
    if (r.role.roleName !== claimed)
      return {
        refused: `${instanceId} uses role ${r.role.roleName}, not ${claimed} as the finding's role session says`,
        rounds,
      };
    return { facts, role: { role: r.role, profileArn }, rounds };
  } catch (err) {
    return {
      refused: `could not check ${instanceId} against role ${claimed}: ${describeError(err)}`,
      rounds,
    };
  }
}

function refusedOutcome(
  instanceId: string,
  reason: string,
  rounds: number,
  calls: number,
): ContainmentOutcome {
  return {
    instanceId,
    status: "failed",
    steps: [
      {
        name: "observe:role-session",
        target: instanceId,
        status: "skipped",
        detail: `not contained, alert only: ${reason}`,
      },
    ],
    verification: { ok: false, open: [`not contained (alert only): ${reason}`] },
    rounds,
    totalRounds: rounds,
    calls,
  };
}

async function cutTracking(
  ec2: EC2Client,
  facts: InstanceFacts,
  opts: AccessOptions,
  counter: Counter,
): Promise<Branch & { records: TrackingRecord[] }> {
  const before = new Map((opts.previous?.connectionTracking ?? []).map((r) => [r.networkInterfaceId, r]));
  const enis = facts.interfaces.filter((i) => i.NetworkInterfaceId);
  if (opts.dryRun)
    return {
      rounds: 0,
      steps: enis.map((i) => ({
        name: "network:connection-tracking",
        target: i.NetworkInterfaceId ?? "",
        status: "skipped" as const,
        detail: `dry run: ec2:ModifyNetworkInterfaceAttribute ConnectionTrackingSpecification TcpEstablishedTimeout=${MINIMUM_TIMEOUTS.tcpEstablished} UdpStreamTimeout=${MINIMUM_TIMEOUTS.udpStream} UdpTimeout=${MINIMUM_TIMEOUTS.udp}`,
      })),
      open: [],
      records: [],
    };
  const { records, refused } = await applyTracking(
    ec2,
    enis.map((i) => {
      const id = i.NetworkInterfaceId ?? "";
      // A retry keeps what the first attempt found: the interface now reports the responder's own values.
      const earlier = before.get(id);
      return {
        networkInterfaceId: id,
        reported: earlier
          ? earlier.previous && {
              TcpEstablishedTimeout: earlier.previous.tcpEstablished,
              UdpStreamTimeout: earlier.previous.udpStream,
              UdpTimeout: earlier.previous.udp,
            }
          : i.ConnectionTrackingConfiguration,
      };
    }),
    counter,
  );
  const verified = await verifyTracking(ec2, records, () => MINIMUM_TIMEOUTS, "cut", counter);
  const steps = [...refused, ...verified];
  return {
    rounds: records.some((r) => r.applied) ? 2 : 1,
    steps,
    open: steps
      .filter((s) => s.status === "failed")
      .map((s) => `connection tracking of ${s.target}: ${s.detail}`),
    records: records.map((r) => ({
      ...r,
      applied: r.applied || before.get(r.networkInterfaceId)?.applied === true,
    })),
  };
}

async function revoke(
  instanceId: string,
  iam: IAMClient | undefined,
  facts: InstanceFacts,
  known: { role: RoleFacts; profileArn: string } | { error: string } | undefined,
  opts: AccessOptions,
  counter: Counter,
): Promise<Branch & { record?: CredentialRecord }> {
  const step = (status: ActionResult["status"], detail: string): ActionResult => ({
    name: "identity:revoke-sessions",
    target: instanceId,
    status,
    detail,
  });
  let rounds = 0;
  let role = known;
  if (!role) {
    const profileArn = profileOf(facts, opts);
    if (!profileArn)
      return {
        rounds,
        steps: [step("skipped", "no instance profile of its own: no role credentials to revoke")],
        open: [],
      };
    if (!iam)
      return {
        rounds,
        steps: [step("failed", "no IAM client")],
        open: [`credentials of ${instanceId} not revoked: no IAM client`],
      };
    rounds += 2;
    try {
      const r = await roleOfProfile(iam, profileArn, counter);
      role = "error" in r ? r : { role: r.role, profileArn };
    } catch (err) {
      role = { error: describeError(err) };
    }
  }
  if ("error" in role)
    return {
      rounds,
      steps: [step("failed", role.error)],
      open: [`credentials of ${instanceId} not revoked: ${role.error}`],
    };
  if (!iam)
    return {
      rounds,
      steps: [step("failed", "no IAM client")],
      open: [`credentials of ${instanceId} not revoked: no IAM client`],
    };
  const r = await putRevocation(iam, role.profileArn, role.role, { ...opts, instanceId }, counter);
  return {
    rounds: rounds + (r.record ? 2 : 0),
    steps: r.steps,
    open: r.open,
    ...(r.record ? { record: r.record } : {}),
  };
}
