/**
 * Chooses the response plan: the first matching playbook of the policy, then the safety
 * rails (protected resources, missing resources, instances per finding, clean-room tiers).
 * Every change the rails make to the playbook is written as a note on the plan.
 */
import type {
  Finding,
  Impact,
  Plan,
  PlannedAction,
  ProtectedResource,
  ResourceContext,
} from "../domain/types.ts";
import type {
  CaptureSnapshotsParams,
  CollectArtifactsParams,
  ContainInstanceParams,
} from "../policy/actions.ts";
import { selectPlaybook } from "../policy/match.ts";
import type { Policy } from "../policy/schema.ts";
import { isProtected, resourceRef } from "./safety.ts";

/** The playbook name on a plan when no playbook of the policy matched. */
export const NO_PLAYBOOK = "(no matching playbook)";

/** Instance states in which the instance is gone or going. */
const GONE_STATES = new Set(["terminated", "shutting-down"]);

export interface ChoosePlanInput {
  finding: Finding;
  impact: Impact;
  contexts: ResourceContext[];
  policy: Policy;
}

/**
 * Picks the first playbook whose match holds and applies the safety rails:
 * - a protected instance, or one not found or terminated, is never contained (and never
 *   stopped); contain-instance is dropped when no instance is left, and narrowed to the
 *   remaining ones (`targets`) otherwise; protected instances are listed in `plan.protected`
 *   (never a quiet skip);
 * - when the finding names more instances than `settings.maxInstancesPerFinding`,
 *   contain-instance requires approval (the hourly cap is applied once its slots are reserved:
 *   triage/circuit.ts);
 * - a Security Hub finding from a product that is not AWS's own makes every action but
 *   notify require approval (`settings.securityHub.thirdPartyRequiresApproval`);
 * - launch-cleanroom is dropped for tiers outside `settings.cleanroom.tiers`;
 * - capture-snapshots and launch-cleanroom are dropped when no disk of the finding exists.
 * With no matching playbook the plan is alert only.
 */
export function choosePlan(input: ChoosePlanInput): Plan {
  const { finding, impact, contexts, policy } = input;
  const playbook = selectPlaybook(policy, { finding, impact, contexts });
  const notes: string[] = [];
  if (!playbook) {
    notes.push("no playbook matched: alert only");
    return {
      playbook: NO_PLAYBOOK,
      actions: [{ name: "notify", params: {}, requiresApproval: false }],
      notes,
    };
  }

  const actions: PlannedAction[] = [];
  const protectedOnes: ProtectedResource[] = [];
  for (const source of playbook.actions) {
    const action: PlannedAction = {
      name: source.name,
      params: structuredClone(source.params),
      requiresApproval: source.requiresApproval,
    };
    if (action.name === "contain-instance") {
      const rails = { finding, contexts, policy, notes, protectedOnes };
      if (!applyContainmentRails(action, rails)) continue;
    }
    if (
      (action.name === "capture-snapshots" || action.name === "launch-cleanroom") &&
      !hasDisks(finding, contexts)
    ) {
      notes.push(`${action.name} dropped: no instance or volume of the finding exists to take disks from`);
      continue;
    }
    if (action.name === "launch-cleanroom" && !policy.settings.cleanroom.tiers.includes(impact.tier)) {
      notes.push(
        `launch-cleanroom dropped: tier ${impact.tier} is not among cleanroom tiers (${policy.settings.cleanroom.tiers.join(", ") || "none"})`,
      );
      continue;
    }
    actions.push(action);
  }
  applyThirdPartyRail(actions, finding, policy, notes);
  return {
    playbook: playbook.name,
    actions,
    notes,
    ...(protectedOnes.length ? { protected: protectedOnes } : {}),
  };
}

/** Most characters of a product name (a claim of the importer) quoted in a note. */
const MAX_PRODUCT_NAME = 64;

/**
 * A Security Hub finding from a product that is not AWS's own (anyone with
 * `securityhub:BatchImportFindings` can import one, naming up to 32 resources): every action
 * but notify waits for a person, when `settings.securityHub.thirdPartyRequiresApproval`.
 */
function applyThirdPartyRail(
  actions: PlannedAction[],
  finding: Finding,
  policy: Policy,
  notes: string[],
): void {
  if (finding.source !== "securityhub" || finding.product?.aws === true) return;
  if (!policy.settings.securityHub.thirdPartyRequiresApproval) return;
  const held = actions.filter((a) => a.name !== "notify");
  if (held.length === 0) return;
  for (const a of held) a.requiresApproval = true;
  const product = finding.product;
  const name = product?.name
    ? `, named ${JSON.stringify(product.name.slice(0, MAX_PRODUCT_NAME))} by its importer`
    : "";
  notes.push(
    `Security Hub finding from a product that is not AWS's own (${product?.arn ?? "no ProductArn"}${name}): ${held
      .map((a) => a.name)
      .join(
        ", ",
      )} ${held.length === 1 ? "requires" : "require"} approval (settings.securityHub.thirdPartyRequiresApproval)`,
  );
}

/** True when some instance or volume of the finding exists (a snapshot source), or nothing was read. */
function hasDisks(finding: Finding, contexts: ResourceContext[]): boolean {
  const disks = finding.resources.filter((r) => r.kind === "ec2-instance" || r.kind === "ec2-volume");
  if (disks.length === 0) return true;
  return disks.some((r) => {
    const ctx = contexts.find((c) => c.resource.id === r.id);
    return !ctx || (ctx.exists && !(ctx.state && GONE_STATES.has(ctx.state)));
  });
}

/** What the containment rails read, and where they write their notes and protected instances. */
interface RailInput {
  finding: Finding;
  contexts: ResourceContext[];
  policy: Policy;
  notes: string[];
  protectedOnes: ProtectedResource[];
}

/** Narrows contain-instance to the instances it may touch; false when none is left. */
function applyContainmentRails(action: PlannedAction, rails: RailInput): boolean {
  const { finding, contexts, policy, notes, protectedOnes } = rails;
  const stop = (action.params as Partial<ContainInstanceParams>).stopInstance ? " nor stopped" : "";
  const instanceIds = unique(
    [...finding.resources, ...contexts.map((c) => c.resource)]
      .filter((r) => r.kind === "ec2-instance")
      .map((r) => r.id),
  );
  if (instanceIds.length === 0) {
    notes.push("contain-instance dropped: no EC2 instance among the affected resources");
    return false;
  }

  const targets: string[] = [];
  for (const id of instanceIds) {
    const ctx = contexts.find((c) => c.resource.id === id);
    if (!ctx) {
      notes.push(`${id} was not read from the account: not contained${stop}`);
      continue;
    }
    const guard = isProtected(ctx, policy.settings, finding);
    if (guard.ignoredClaim) notes.push(guard.ignoredClaim);
    if (guard.protected) {
      notes.push(`${guard.reason}: not contained${stop}`);
      const ref = resourceRef(ctx.resource, finding);
      protectedOnes.push({
        id,
        kind: ctx.resource.kind,
        reason: guard.reason ?? `${id} is protected`,
        ...(ref?.account ? { account: ref.account } : {}),
        ...(ref?.region ? { region: ref.region } : {}),
      });
      continue;
    }
    if (!ctx.exists) {
      notes.push(`${id} not found (terminated or in another account): not contained${stop}`);
      continue;
    }
    if (ctx.state && GONE_STATES.has(ctx.state)) {
      notes.push(`${id} is ${ctx.state}: not contained${stop}`);
      continue;
    }
    targets.push(id);
  }
  if (targets.length === 0) {
    notes.push("contain-instance dropped: no instance left to contain");
    return false;
  }
  action.targets = targets;

  const cap = policy.settings.maxInstancesPerFinding;
  if (instanceIds.length > cap) {
    action.requiresApproval = true;
    notes.push(
      `the finding names ${instanceIds.length} instances, more than maxInstancesPerFinding (${cap}): contain-instance requires approval`,
    );
  }
  return true;
}

/** The instance contexts an action acts on: its `targets`, or every existing instance. */
function instanceTargets(action: PlannedAction, contexts: ResourceContext[]): ResourceContext[] {
  const instances = contexts.filter((c) => c.resource.kind === "ec2-instance");
  if (action.targets) return instances.filter((c) => action.targets!.includes(c.resource.id));
  return instances.filter((c) => c.exists && !(c.state && GONE_STATES.has(c.state)));
}

/**
 * The AWS API calls each action of the plan would make, for dry runs (`responder plan`).
 * Uses what the contexts know (network interfaces, volumes, Auto Scaling group, instance
 * profile) to list calls per interface and per volume; says so when it does not know.
 */
export function describeAwsCalls(
  plan: Plan,
  contexts: ResourceContext[],
): { action: string; calls: string[] }[] {
  return plan.actions.map((action) => {
    const approval = action.requiresApproval ? ["(waits for approval before any call)"] : [];
    return { action: action.name, calls: [...approval, ...callsFor(action, contexts)] };
  });
}

function callsFor(action: PlannedAction, contexts: ResourceContext[]): string[] {
  const targets = instanceTargets(action, contexts);
  switch (action.name) {
    case "contain-instance":
      return targets.flatMap((ctx) => containCalls(ctx, action.params as ContainInstanceParams));
    case "capture-snapshots":
      return [
        ...targets.flatMap((ctx) => snapshotCalls(ctx, action.params as CaptureSnapshotsParams)),
        ...contexts
          .filter((c) => c.resource.kind === "ec2-volume" && c.exists)
          .map((c) => `ec2:CreateSnapshot ${c.resource.id} (tagged with the incident id)`),
      ];
    case "collect-artifacts":
      return [
        ...targets.flatMap((ctx) => artifactCalls(ctx)),
        ...evidenceUploadCalls(action.params as CollectArtifactsParams),
      ];
    case "launch-cleanroom":
      return [
        "cloudformation:CreateStack clean room (VPC without internet gateway, VPC endpoints only, volumes from the evidence snapshots, TTL from settings.cleanroom.ttlHours)",
      ];
    case "notify":
      return ["sns:Publish alert topic"];
    default:
      return [`(unknown action ${action.name}: no calls known)`];
  }
}

function containCalls(ctx: ResourceContext, params: ContainInstanceParams): string[] {
  const id = ctx.resource.id;
  const enis = ctx.networkInterfaceIds?.length ? ctx.networkInterfaceIds : undefined;
  const vpc = ctx.vpcId ?? "the instance's VPC";
  const calls = [
    `ec2:DescribeInstances ${id} (record the pre-isolation state)`,
    `ec2:ModifyInstanceAttribute ${id} (DisableApiTermination=true)`,
    `ec2:ModifyInstanceAttribute ${id} (InstanceInitiatedShutdownBehavior=stop)`,
    ctx.volumeIds?.length
      ? `ec2:ModifyInstanceAttribute ${id} (BlockDeviceMappings DeleteOnTermination=false: ${ctx.volumeIds.join(", ")})`
      : `ec2:ModifyInstanceAttribute ${id} (BlockDeviceMappings DeleteOnTermination=false: every attached volume)`,
  ];
  if (params.stopProtection) calls.push(`ec2:ModifyInstanceAttribute ${id} (DisableApiStop=true)`);
  calls.push(
    `ec2:CreateSecurityGroup untracking group in ${vpc} + ec2:AuthorizeSecurityGroupIngress (all traffic)`,
    `ec2:CreateSecurityGroup isolation group in ${vpc} + ec2:RevokeSecurityGroupEgress (no rules left)`,
  );
  for (const step of ["untracking group", "isolation group"]) {
    if (enis) for (const eni of enis) calls.push(`ec2:ModifyNetworkInterfaceAttribute ${eni} → ${step}`);
    else calls.push(`ec2:ModifyNetworkInterfaceAttribute (every network interface of ${id}) → ${step}`);
  }
  if (ctx.exposure.publicIps.length > 0) {
    calls.push(
      `ec2:DescribeAddresses + ec2:DisassociateAddress (Elastic IPs among ${ctx.exposure.publicIps.join(", ")})`,
    );
  }
  if (ctx.exposure.instanceProfileArn) {
    calls.push(
      `ec2:ReplaceIamInstanceProfileAssociation ${id} → the responder's deny-all isolation profile (was ${ctx.exposure.instanceProfileArn}; no role or profile is edited)`,
    );
  }
  if (ctx.autoScalingGroup) {
    calls.push(
      params.asgMode === "detach"
        ? `autoscaling:DetachInstances ${id} from ${ctx.autoScalingGroup}`
        : `autoscaling:EnterStandby ${id} in ${ctx.autoScalingGroup}`,
    );
  }
  calls.push(
    `elasticloadbalancing:DescribeTargetGroups + DescribeTargetHealth + DeregisterTargets ${id} (every target group that lists it)`,
    `ec2:CreateTags ${id} (incident id, containment marker)`,
  );
  if (params.stopInstance) calls.push(`ec2:StopInstances ${id}`);
  calls.push(
    enis
      ? `ec2:DescribeNetworkInterfaces ${enis.join(", ")} (verify isolation)`
      : `ec2:DescribeNetworkInterfaces (interfaces of ${id}: verify isolation)`,
  );
  return calls;
}

function snapshotCalls(ctx: ResourceContext, params: CaptureSnapshotsParams): string[] {
  const id = ctx.resource.id;
  const volumes = ctx.volumeIds?.length ? ctx.volumeIds.join(", ") : "every attached volume";
  const calls = [`ec2:CreateSnapshots ${id} (crash-consistent: ${volumes}; tagged with the incident id)`];
  if (params.lock) {
    calls.push(
      `ec2:LockSnapshot (each snapshot of ${id}: ${params.lock.mode} mode, ${params.lock.days} days)`,
    );
  }
  if (params.archiveTier) calls.push(`ec2:ModifySnapshotTier (each snapshot of ${id} → archive)`);
  return calls;
}

function artifactCalls(ctx: ResourceContext): string[] {
  const id = ctx.resource.id;
  const enis = ctx.networkInterfaceIds?.length ? ctx.networkInterfaceIds.join(", ") : `interfaces of ${id}`;
  const groups = unique(ctx.exposure.openIngress.map((r) => r.groupId));
  return [
    `ec2:DescribeInstances ${id}`,
    `ec2:DescribeNetworkInterfaces ${enis}`,
    `ec2:DescribeSecurityGroups (groups of ${id}${groups.length ? `: ${groups.join(", ")}…` : ""})`,
    `ec2:GetConsoleOutput ${id}`,
    `ec2:GetConsoleScreenshot ${id}`,
    `cloudtrail:LookupEvents (ResourceName=${id})`,
  ];
}

function evidenceUploadCalls(params: CollectArtifactsParams): string[] {
  const storage = params.storageClass ?? "STANDARD";
  return [
    `s3:PutObject evidence bucket (each artifact: SSE-KMS, Object Lock, SHA-256, storage class ${storage})`,
    "s3:PutObject evidence bucket (manifest of SHA-256 hashes)",
  ];
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
