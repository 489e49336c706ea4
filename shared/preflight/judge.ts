/**
 * Pure judgements of preflight observations: no I/O. Each takes what a read observed (or why it
 * could not) and what the deployment expects, and answers pass / fail / unsupported with a reason.
 * Nothing is ever `pass` that was not observed.
 */
import type { Observed, Verdict } from "./types.ts";

const pass = (reason: string): Verdict => ({ status: "pass", reason });
const fail = (reason: string): Verdict => ({ status: "fail", reason });

/** An observation that is not there: `unsupported` stays so, an error is a failure. */
function missing(obs: Exclude<Observed<unknown>, { kind: "ok" }>): Verdict {
  return obs.kind === "unsupported" ? { status: "unsupported", reason: obs.reason } : fail(obs.reason);
}

/** Judges an observation with `judge` when there is one. */
function judged<T>(obs: Observed<T>, judge: (value: T) => Verdict): Verdict {
  return obs.kind === "ok" ? judge(obs.value) : missing(obs);
}

/** The member role was assumed: the read gives the role ARN. */
export function judgeAssume(obs: Observed<{ roleArn: string }>): Verdict {
  return judged(obs, (v) => pass(`assumed ${v.roleArn}`));
}

/** One simulated action: IAM's decision (`allowed`, `explicitDeny`, `implicitDeny`). */
export interface SimulatedDecision {
  action: string;
  decision: string;
}

/** Every needed action must be simulated and `allowed`. */
export function judgeActions(
  obs: Observed<{ principalArn: string; decisions: SimulatedDecision[] }>,
  needed: readonly string[],
): Verdict {
  return judged(obs, ({ principalArn, decisions }) => {
    const byAction = new Map(decisions.map((d) => [d.action, d.decision]));
    const refused = needed.filter((a) => byAction.get(a) !== "allowed");
    if (needed.length === 0) return fail(`no actions to check for ${principalArn}`);
    if (refused.length === 0) return pass(`${needed.length} actions allowed to ${principalArn}`);
    const shown = refused.map((a) => `${a} (${byAction.get(a) ?? "not simulated"})`);
    return fail(
      `${refused.length} of ${needed.length} actions refused to ${principalArn}: ${shown.slice(0, 5).join(", ")}${refused.length > 5 ? ", …" : ""}`,
    );
  });
}

/** An IAM policy statement, as read from a policy document. */
export interface PolicyStatement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: unknown;
}

/** True when the statement denies every action on every resource, unconditionally. */
export function deniesEverything(s: PolicyStatement): boolean {
  const all = (v: string | string[] | undefined) => (Array.isArray(v) ? v.includes("*") : v === "*");
  return s.Effect === "Deny" && all(s.Action) && all(s.Resource) && !s.NotAction && s.Condition === undefined;
}

/** The isolation profile: its roles and every statement of their policies (inline and attached). */
export interface ProfileObservation {
  profileName: string;
  roles: { roleName: string; statements: PolicyStatement[] }[];
}

/** The profile must carry exactly one role, and that role an unconditional Deny * on *. */
export function judgeIsolationProfile(obs: Observed<ProfileObservation>): Verdict {
  return judged(obs, ({ profileName, roles }) => {
    if (roles.length !== 1) return fail(`profile ${profileName} has ${roles.length} roles (expected one)`);
    const role = roles[0] as ProfileObservation["roles"][number];
    if (!role.statements.some(deniesEverything))
      return fail(`role ${role.roleName} of profile ${profileName} has no unconditional Deny of * on *`);
    return pass(`profile ${profileName}: role ${role.roleName} denies every action`);
  });
}

/** CreateSecurityGroup with DryRun in one VPC: `allowed` (DryRunOperation) or why not. */
export interface DryRunOutcome {
  vpcId: string;
  outcome: "allowed" | "denied" | "other";
  detail: string;
}

/** Every VPC of the region must answer the dry run with DryRunOperation. */
export function judgeGroupDryRuns(obs: Observed<DryRunOutcome[]>): Verdict {
  return judged(obs, (runs) => {
    if (runs.length === 0) return pass("no VPC in this region: no instance to isolate");
    const bad = runs.filter((r) => r.outcome !== "allowed");
    if (bad.length === 0) return pass(`dry run allowed in ${runs.length} VPC(s)`);
    return fail(bad.map((r) => `${r.vpcId}: ${r.detail}`).join("; "));
  });
}

/** GuardDuty detectors of the region and their status. */
export function judgeGuardDuty(obs: Observed<{ detectorId: string; status: string }[]>): Verdict {
  return judged(obs, (detectors) => {
    const on = detectors.find((d) => d.status === "ENABLED");
    if (on) return pass(`detector ${on.detectorId} ENABLED`);
    if (detectors.length === 0) return fail("no GuardDuty detector in this region");
    return fail(`no enabled detector (${detectors.map((d) => `${d.detectorId} ${d.status}`).join(", ")})`);
  });
}

/** Rules on the member's default bus that target the responder's bus, with their state. */
export function judgeForwarding(
  obs: Observed<{ rules: { name: string; state: string }[]; target: string }>,
): Verdict {
  return judged(obs, ({ rules, target }) => {
    const on = rules.filter((r) => r.state === "ENABLED");
    if (on.length > 0) return pass(`${on.map((r) => r.name).join(", ")} → ${target}`);
    if (rules.length > 0) return fail(`forwarding rule(s) disabled: ${rules.map((r) => r.name).join(", ")}`);
    return fail(`no rule on the default bus targets ${target}`);
  });
}

/** One trail: whether it is logging, and whether its selectors record management events. */
export interface TrailObservation {
  name: string;
  isLogging: boolean;
  /** `all`, `write` (write-only), or `none` (no management events, or selectors unread). */
  management: "all" | "write" | "none";
}

/** What a trail's event selectors (classic or advanced) say about management events. */
export function managementEvents(selectors: {
  classic?: { ReadWriteType?: string; IncludeManagementEvents?: boolean }[];
  advanced?: { FieldSelectors?: { Field?: string; Equals?: string[] }[] }[];
}): TrailObservation["management"] {
  let best: TrailObservation["management"] = "none";
  const better = (m: TrailObservation["management"]) => {
    if (m === "all" || (m === "write" && best === "none")) best = m;
  };
  for (const s of selectors.classic ?? []) {
    if (s.IncludeManagementEvents === false) continue;
    if (s.ReadWriteType === "WriteOnly") better("write");
    else if (s.ReadWriteType === "All" || s.ReadWriteType === undefined) better("all");
  }
  for (const s of selectors.advanced ?? []) {
    const fields = s.FieldSelectors ?? [];
    if (!fields.some((f) => f.Field === "eventCategory" && f.Equals?.includes("Management"))) continue;
    const readOnly = fields.find((f) => f.Field === "readOnly");
    if (!readOnly) better("all");
    else if (readOnly.Equals?.includes("false")) better("write");
  }
  return best;
}

/** At least one trail must be logging and record management events (write events at the least). */
export function judgeTrails(obs: Observed<TrailObservation[]>): Verdict {
  return judged(obs, (trails) => {
    const ok = trails.filter((t) => t.isLogging && t.management !== "none");
    const full = ok.find((t) => t.management === "all");
    if (full) return pass(`trail ${full.name} is logging all management events`);
    if (ok[0]) return pass(`trail ${ok[0].name} is logging write management events`);
    if (trails.length === 0) return fail("no trail in this region");
    return fail(
      trails
        .map(
          (t) => `${t.name}: ${t.isLogging ? "logging" : "not logging"}, management events ${t.management}`,
        )
        .join("; "),
    );
  });
}

/** Security Hub answered DescribeHub: it is enabled. */
export function judgeSecurityHub(obs: Observed<{ hubArn: string }>): Verdict {
  return judged(obs, (v) => pass(`enabled (${v.hubArn})`));
}

/** AWS Config recorders and whether each is recording. */
export function judgeConfigRecorders(obs: Observed<{ name: string; recording: boolean }[]>): Verdict {
  return judged(obs, (recorders) => {
    const on = recorders.find((r) => r.recording);
    if (on) return pass(`recorder ${on.name} is recording`);
    if (recorders.length === 0) return fail("no configuration recorder in this region");
    return fail(`no recorder is recording (${recorders.map((r) => r.name).join(", ")})`);
  });
}

/** The bucket's versioning status (`Enabled`, `Suspended`, or absent when never set). */
export function judgeVersioning(obs: Observed<{ status?: string }>): Verdict {
  return judged(obs, ({ status }) =>
    status === "Enabled" ? pass("versioning Enabled") : fail(`versioning ${status ?? "never enabled"}`),
  );
}

/** The bucket's Object Lock configuration, as GetObjectLockConfiguration gives it. */
export interface ObjectLockObservation {
  enabled?: string;
  mode?: string;
  days?: number;
  years?: number;
}

/** Object Lock must be Enabled with a COMPLIANCE default retention of exactly the configured length. */
export function judgeObjectLock(
  obs: Observed<ObjectLockObservation | undefined>,
  expected: { days?: number; years?: number },
): Verdict {
  return judged(obs, (lock) => {
    if (lock?.enabled !== "Enabled") return fail("Object Lock is not enabled on the bucket");
    if (lock.mode !== "COMPLIANCE")
      return fail(`default retention mode is ${lock.mode ?? "not set"}, not COMPLIANCE`);
    const want = expected.days !== undefined ? `${expected.days} days` : `${expected.years} years`;
    const got =
      lock.days !== undefined
        ? `${lock.days} days`
        : lock.years !== undefined
          ? `${lock.years} years`
          : "none";
    if (got !== want) return fail(`default retention is ${got}, configured ${want}`);
    return pass(`COMPLIANCE, ${got}`);
  });
}

/** Every statement id the stack defines must be in the bucket policy. */
export function judgeBucketPolicy(
  obs: Observed<{ sids: string[] } | undefined>,
  expected: readonly string[],
): Verdict {
  return judged(obs, (policy) => {
    if (!policy) return fail("the bucket has no policy");
    const absent = expected.filter((sid) => !policy.sids.includes(sid));
    if (absent.length > 0) return fail(`missing statement(s): ${absent.join(", ")}`);
    return pass(`all ${expected.length} statements present`);
  });
}

/** DescribeKey's state and whether a data key could be generated with it. */
export function judgeKey(obs: Observed<{ keyId: string; state: string; dataKey: Observed<true> }>): Verdict {
  return judged(obs, ({ keyId, state, dataKey }) => {
    if (state !== "Enabled") return fail(`key ${keyId} is ${state}`);
    if (dataKey.kind === "error")
      return fail(`key ${keyId} is Enabled but gives no data key: ${dataKey.reason}`);
    if (dataKey.kind === "unsupported") return { status: "unsupported", reason: dataKey.reason };
    return pass(`key ${keyId} Enabled, data key generated`);
  });
}

/** The topic's subscriptions: protocol and ARN (`PendingConfirmation` until confirmed). */
export function judgeSubscriptions(obs: Observed<{ protocol: string; arn: string }[]>): Verdict {
  return judged(obs, (subs) => {
    const confirmed = subs.filter((s) => s.arn.startsWith("arn:"));
    if (confirmed.length > 0)
      return pass(
        `${confirmed.length} confirmed (${[...new Set(confirmed.map((s) => s.protocol))].join(", ")})`,
      );
    if (subs.length === 0) return fail("no subscription: nobody will hear the alerts");
    return fail(`${subs.length} subscription(s), none confirmed`);
  });
}
