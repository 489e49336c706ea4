/**
 * The clean room's pure core: the per-incident stack name, the parameters and tags of its
 * CreateStack call (infra/cleanroom.yaml), how to read a stack status, the failure reason
 * from stack events, and which stacks have expired. No I/O, no SDK clients.
 */
import { INCIDENT_ID_PATTERN, type SnapshotRecord } from "../incident/model.ts";

/** Every clean-room stack's name starts with this, followed by the incident id. */
export const STACK_PREFIX = "incident-responder-cleanroom-";

/** The template takes at most this many evidence snapshots (one volume each, /dev/sdf–/dev/sdi). */
export const MAX_EVIDENCE_SNAPSHOTS = 4;

/** Stack tags (the template puts the same keys on every resource). */
export const CLEANROOM_TAG = {
  incident: "incident-responder:incident-id",
  expiresAt: "incident-responder:expires-at",
  managed: "incident-responder:managed",
  createdBy: "incident-responder:created-by",
  /**
   * The random launch id the responder recorded on the incident before CreateStack: how a retry
   * recognises its own stack by name before it has recorded the stack id.
   */
  launchId: "incident-responder:launch-id",
} as const;

/** A launch id: 32 hex digits, random. */
export const LAUNCH_ID_PATTERN = /^[0-9a-f]{32}$/;

/** The random suffix of a stack name chosen because the predictable one was taken. */
export const STACK_SUFFIX_PATTERN = /^[0-9a-f]{12}$/;

/** The capability the template needs: it creates an IAM role without a fixed name. */
export const CLEANROOM_CAPABILITIES = ["CAPABILITY_IAM"] as const;

/**
 * The IAM path of the workstation role and instance profile each clean room creates
 * (infra/cleanroom.yaml). The CloudFormation service role may create, change and delete IAM
 * roles and profiles under this path only.
 */
export const CLEANROOM_IAM_PATH = "/incident-responder-cleanroom/";

/**
 * The CloudFormation service role that creates clean-room stacks in a member account
 * (infra/member-account-role.yaml). In its own account the responder uses the role its own
 * stack created (CLEANROOM_STACK_ROLE_ARN).
 */
export const MEMBER_STACK_ROLE_NAME = "incident-responder-cleanroom-stack";

/**
 * The permissions boundary of the workstation roles in a member account
 * (infra/member-account-role.yaml, `CleanroomWorkstationBoundary`).
 */
export const MEMBER_WORKSTATION_BOUNDARY_NAME = "incident-responder-cleanroom-boundary";

/** The ARN of a member account's workstation boundary. */
export function memberWorkstationBoundaryArn(account: string, partition = "aws"): string {
  return `arn:${partition}:iam::${account}:policy${CLEANROOM_IAM_PATH}${MEMBER_WORKSTATION_BOUNDARY_NAME}`;
}

/** The ARN of a member account's clean-room stack role. */
export function memberStackRoleArn(account: string, partition = "aws"): string {
  return `arn:${partition}:iam::${account}:role/${MEMBER_STACK_ROLE_NAME}`;
}

/**
 * The stack name of an incident's clean room: the predictable `incident-responder-cleanroom-<id>`,
 * or, with `suffix` (12 random hex digits), the name the responder uses when someone else holds
 * the predictable one.
 */
export function stackNameFor(incidentId: string, suffix?: string): string {
  if (!INCIDENT_ID_PATTERN.test(incidentId))
    throw new TypeError(`not an incident id: ${JSON.stringify(incidentId).slice(0, 60)}`);
  if (suffix === undefined) return `${STACK_PREFIX}${incidentId}`;
  if (!STACK_SUFFIX_PATTERN.test(suffix))
    throw new TypeError(`not a stack name suffix: ${JSON.stringify(suffix).slice(0, 60)}`);
  return `${STACK_PREFIX}${incidentId}-${suffix}`;
}

/**
 * The incident id of a clean-room stack, from its name or its stack id (ARN
 * `arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID`); undefined for any other stack.
 * A name says which incident a stack claims to be for, never that the responder created it.
 */
export function incidentIdOfStack(nameOrId: string): string | undefined {
  const name = nameOrId.startsWith("arn:") ? (nameOrId.split(":")[5]?.split("/")[1] ?? "") : nameOrId;
  if (!name.startsWith(STACK_PREFIX)) return undefined;
  const rest = name.slice(STACK_PREFIX.length);
  const m = /^(ir-\d{8}-[0-9a-f]{8})(?:-([0-9a-f]{12}))?$/.exec(rest);
  return m?.[1] && INCIDENT_ID_PATTERN.test(m[1]) ? m[1] : undefined;
}

/** ISO-8601 UTC without milliseconds (the template's ExpiresAt pattern accepts both). */
export function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** When a clean room launched at `now` expires: `ttlHours` later, to the second. */
export function expiresAtFor(now: Date, ttlHours: number): string {
  return isoSeconds(new Date(now.getTime() + Math.round(ttlHours * 3_600_000)));
}

const TAG_VALUE_CHARS = /[^A-Za-z0-9 _.:/=+@-]/g;

/**
 * The CreatedBy parameter: the responder function, and who asked when someone did. Only the
 * characters tag values (and the template's pattern) allow; at most 256 of them.
 */
export function createdByValue(creator: string, requestedBy?: string): string {
  const raw = requestedBy ? `${creator} requested-by ${requestedBy}` : creator;
  const clean = raw.replace(TAG_VALUE_CHARS, "_").trim();
  return (clean || "incident-responder").slice(0, 256);
}

/**
 * The snapshots a clean room is built from: the completed ones, at most four, in the order the
 * evidence lane recorded them (the instance's block device order), so that the n-th evidence
 * volume (/dev/sdf, /dev/sdg, …) is the n-th snapshot.
 */
export function chooseSnapshots(snapshots: SnapshotRecord[]): {
  ids: string[];
  left: string[];
  notReady: string[];
} {
  const usable = snapshots.filter((s) => /^snap-[0-9a-f]{8,17}$/.test(s.snapshotId));
  const ready = usable.filter((s) => s.state === "completed").map((s) => s.snapshotId);
  const notReady = usable.filter((s) => s.state !== "completed").map((s) => s.snapshotId);
  return { ids: ready.slice(0, MAX_EVIDENCE_SNAPSHOTS), left: ready.slice(MAX_EVIDENCE_SNAPSHOTS), notReady };
}

/** What a CreateStack call for a clean room needs to know. */
export interface CleanroomInput {
  incidentId: string;
  snapshotIds: string[];
  evidenceBucket: string;
  kmsKeyArn: string;
  createdBy: string;
  expiresAt: string;
  s3PrefixListId: string;
  /** 0 = each volume the size of its snapshot (AWS); the emulator needs an explicit size. */
  evidenceVolumeSizeGiB: number;
  /** The permissions boundary of the workstation role (the stack role creates roles only with it). */
  workstationBoundaryArn?: string;
  /** The stack's name when it is not the predictable one (see {@link stackNameFor}). */
  stackName?: string;
  /** The launch id recorded on the incident before CreateStack, put on the stack as a tag. */
  launchId?: string;
}

/** The template's parameters (AmiId, InstanceType, … keep their defaults). */
export function stackParameters(input: CleanroomInput): Record<string, string> {
  return {
    IncidentId: input.incidentId,
    CreatedBy: input.createdBy,
    ExpiresAt: input.expiresAt,
    EvidenceSnapshotIds: input.snapshotIds.join(","),
    EvidenceVolumeSizeGiB: String(input.evidenceVolumeSizeGiB),
    EvidenceBucket: input.evidenceBucket,
    KmsKeyArn: input.kmsKeyArn,
    S3PrefixListId: input.s3PrefixListId,
    ...(input.workstationBoundaryArn ? { WorkstationPermissionsBoundary: input.workstationBoundaryArn } : {}),
  };
}

/** The stack's tags: the incident, the expiry the schedule acts on, and the managed marker. */
export function stackTags(
  input: Pick<CleanroomInput, "incidentId" | "expiresAt" | "createdBy" | "launchId">,
): Record<string, string> {
  return {
    [CLEANROOM_TAG.incident]: input.incidentId,
    [CLEANROOM_TAG.expiresAt]: input.expiresAt,
    [CLEANROOM_TAG.managed]: "true",
    [CLEANROOM_TAG.createdBy]: input.createdBy,
    ...(input.launchId ? { [CLEANROOM_TAG.launchId]: input.launchId } : {}),
  };
}

/** Where the template comes from: its text (TemplateBody) or an S3 URL (TemplateURL). */
export type TemplateSource = { body: string; source: string } | { url: string };

/** The CreateStack request, SDK-shaped but built without the SDK. */
export interface CreateStackRequest {
  StackName: string;
  TemplateBody?: string;
  TemplateURL?: string;
  Parameters: { ParameterKey: string; ParameterValue: string }[];
  Tags: { Key: string; Value: string }[];
  Capabilities: string[];
  /** A stack that fails is deleted (its events keep the reason), so a retry can reuse the name. */
  OnFailure: "DELETE";
  /**
   * The CloudFormation service role that creates, and later deletes, the stack's resources: the
   * caller itself may only create, read and delete the stack.
   */
  RoleARN?: string;
}

/**
 * Builds the CreateStack request of an incident's clean room (check it first with
 * {@link validateInput}). `roleArn`: the CloudFormation service role of the account.
 */
export function createStackRequest(
  input: CleanroomInput,
  template: TemplateSource,
  roleArn?: string,
): CreateStackRequest {
  return {
    StackName: input.stackName ?? stackNameFor(input.incidentId),
    ...("body" in template ? { TemplateBody: template.body } : { TemplateURL: template.url }),
    Parameters: Object.entries(stackParameters(input)).map(([ParameterKey, ParameterValue]) => ({
      ParameterKey,
      ParameterValue,
    })),
    Tags: Object.entries(stackTags(input)).map(([Key, Value]) => ({ Key, Value })),
    Capabilities: [...CLEANROOM_CAPABILITIES],
    OnFailure: "DELETE",
    ...(roleArn ? { RoleARN: roleArn } : {}),
  };
}

/** The template's parameter constraints, checked before any call (AWS checks them too; moto does not). */
export function validateInput(input: CleanroomInput): string[] {
  const problems: string[] = [];
  if (!INCIDENT_ID_PATTERN.test(input.incidentId))
    problems.push(`IncidentId ${input.incidentId} is not ir-YYYYMMDD-xxxxxxxx`);
  if (input.stackName !== undefined && incidentIdOfStack(input.stackName) !== input.incidentId)
    problems.push(`StackName ${input.stackName} is not a clean-room stack name of ${input.incidentId}`);
  if (input.launchId !== undefined && !LAUNCH_ID_PATTERN.test(input.launchId))
    problems.push("the launch id is not 32 hex digits");
  if (input.snapshotIds.length < 1 || input.snapshotIds.length > MAX_EVIDENCE_SNAPSHOTS) {
    problems.push(
      `EvidenceSnapshotIds needs 1 to ${MAX_EVIDENCE_SNAPSHOTS} snapshots, not ${input.snapshotIds.length}`,
    );
  }
  for (const id of input.snapshotIds)
    if (!/^snap-[0-9a-f]{8,17}$/.test(id)) problems.push(`${id} is not a snapshot id`);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(input.evidenceBucket))
    problems.push(`EvidenceBucket ${input.evidenceBucket} is not a bucket name`);
  if (!/^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[a-zA-Z0-9-]+$/.test(input.kmsKeyArn)) {
    problems.push(`KmsKeyArn ${input.kmsKeyArn || "(none)"} is not a KMS key ARN`);
  }
  if (!/^pl-[0-9a-f]{8,17}$/.test(input.s3PrefixListId))
    problems.push(`S3PrefixListId ${input.s3PrefixListId || "(none)"} is not a prefix list id`);
  if (!/^[A-Za-z0-9 _.:/=+@-]{1,256}$/.test(input.createdBy))
    problems.push("CreatedBy has characters tags cannot carry");
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(input.expiresAt))
    problems.push(`ExpiresAt ${input.expiresAt} is not ISO-8601 UTC`);
  if (
    !Number.isInteger(input.evidenceVolumeSizeGiB) ||
    input.evidenceVolumeSizeGiB < 0 ||
    input.evidenceVolumeSizeGiB > 16384
  ) {
    problems.push(`EvidenceVolumeSizeGiB ${input.evidenceVolumeSizeGiB} is not 0–16384`);
  }
  return problems;
}

/** The call as one readable line, for dry runs and the action log (the template body abbreviated). */
export function describeCreateStack(req: CreateStackRequest, templateLabel?: string): string {
  const template = req.TemplateURL
    ? `TemplateURL=${req.TemplateURL}`
    : `TemplateBody=<${templateLabel ?? "template"}, ${Buffer.byteLength(req.TemplateBody ?? "")} bytes>`;
  const params = req.Parameters.map((p) => `${p.ParameterKey}=${p.ParameterValue}`).join(", ");
  const tags = req.Tags.map((t) => `${t.Key}=${t.Value}`).join(", ");
  const role = req.RoleARN ? ` RoleARN=${req.RoleARN}` : "";
  return `cloudformation:CreateStack StackName=${req.StackName} ${template} Capabilities=[${req.Capabilities.join(",")}] OnFailure=${req.OnFailure}${role} Parameters=[${params}] Tags=[${tags}]`;
}

/** What a stack status means for the responder. */
export type StackPhase = "creating" | "ready" | "failed" | "deleting" | "deleted" | "delete-failed" | "other";

/** Classifies a CloudFormation stack status. */
export function stackPhase(status: string | undefined): StackPhase {
  switch (status) {
    case "CREATE_IN_PROGRESS":
    case "REVIEW_IN_PROGRESS":
      return "creating";
    case "CREATE_COMPLETE":
    case "UPDATE_COMPLETE":
      return "ready";
    case "DELETE_IN_PROGRESS":
      return "deleting";
    case "DELETE_COMPLETE":
      return "deleted";
    case "DELETE_FAILED":
      return "delete-failed";
    default:
      if (!status) return "other";
      if (status === "CREATE_FAILED" || status.startsWith("ROLLBACK_") || status.endsWith("_FAILED"))
        return "failed";
      return "other";
  }
}

/** The fields of a stack event the failure reason needs (SDK StackEvent satisfies it). */
export interface StackEventLike {
  LogicalResourceId?: string;
  ResourceType?: string;
  ResourceStatus?: string;
  ResourceStatusReason?: string;
  Timestamp?: Date | string;
}

/** The resource that failed first and why. */
export interface StackFailure {
  resource: string;
  reason: string;
  status: string;
}

const CASCADE = /Resource creation cancelled|Resource update cancelled|The following resource\(s\) failed/i;

/**
 * The first failure of a stack: the earliest `*_FAILED` event, preferring a resource's own
 * failure over the stack's summary and over resources cancelled because another one failed.
 * Events may come in any order (DescribeStackEvents lists the newest first).
 */
export function firstFailure(events: StackEventLike[]): StackFailure | undefined {
  const time = (e: StackEventLike) => (e.Timestamp ? new Date(e.Timestamp).getTime() : 0);
  const failed = events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.ResourceStatus?.endsWith("_FAILED"))
    // Same timestamp: DescribeStackEvents order (newest first), so the later index is older.
    .sort((a, b) => time(a.e) - time(b.e) || b.i - a.i)
    .map(({ e }) => e);
  const rank = (e: StackEventLike) =>
    (e.ResourceType === "AWS::CloudFormation::Stack" ? 2 : 0) +
    (CASCADE.test(e.ResourceStatusReason ?? "") ? 1 : 0);
  const best = failed.reduce<StackEventLike | undefined>(
    (acc, e) => (acc === undefined || rank(e) < rank(acc) ? e : acc),
    undefined,
  );
  if (!best) return undefined;
  return {
    resource: best.LogicalResourceId ?? "(unknown resource)",
    reason: best.ResourceStatusReason ?? "(no reason given)",
    status: best.ResourceStatus ?? "",
  };
}

/** A stack as the expiry sweep sees it. */
export interface ManagedStack {
  stackName: string;
  stackId?: string;
  status?: string;
  tags: Record<string, string>;
}

/** True when a stack is one of the responder's clean rooms (name prefix and managed tag). */
export function isManagedCleanroom(stack: ManagedStack): boolean {
  return stack.stackName.startsWith(STACK_PREFIX) && stack.tags[CLEANROOM_TAG.managed] === "true";
}

/**
 * The clean rooms whose `expires-at` tag has passed and that are not already being deleted.
 * A stack with a missing or unreadable expiry is never selected (it is reported instead).
 */
export function selectExpired(
  stacks: ManagedStack[],
  now: Date,
): { expired: ManagedStack[]; unreadable: ManagedStack[] } {
  const expired: ManagedStack[] = [];
  const unreadable: ManagedStack[] = [];
  for (const s of stacks) {
    if (!isManagedCleanroom(s)) continue;
    const phase = stackPhase(s.status);
    if (phase === "deleting" || phase === "deleted") continue;
    const at = Date.parse(s.tags[CLEANROOM_TAG.expiresAt] ?? "");
    if (Number.isNaN(at)) unreadable.push(s);
    else if (at <= now.getTime()) expired.push(s);
  }
  return { expired, unreadable };
}

/** The outputs of the template, by key. */
export interface CleanroomOutputs {
  WorkstationInstanceId?: string;
  VpcId?: string;
  SecurityGroupId?: string;
  EvidenceVolumeIds?: string;
  SessionManagerCommand?: string;
  NotesPrefix?: string;
  [key: string]: string | undefined;
}
