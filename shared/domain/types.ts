/**
 * Core domain types shared by every module. Pure data: no I/O, no SDK types.
 */

/** Where a finding came from. A drill wraps another source's event. */
export const FINDING_SOURCES = ["guardduty", "cloudtrail", "config", "securityhub", "alarm"] as const;
export type FindingSource = (typeof FINDING_SOURCES)[number];

/** Kinds of affected resource the responder understands. */
export const RESOURCE_KINDS = [
  "ec2-instance",
  "ec2-volume",
  "ec2-snapshot",
  "ec2-image",
  "security-group",
  "iam-user",
  "iam-role",
  "iam-access-key",
  "s3-bucket",
  "eks-cluster",
  "lambda-function",
  "rds-instance",
  "cloudtrail-trail",
  "aws-account",
  "other",
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** One resource a finding is about. */
export interface AffectedResource {
  kind: ResourceKind;
  /** The resource's own id (i-…, bucket name, access key id, user name, account id…). */
  id: string;
  arn?: string;
  region?: string;
  account?: string;
  /** Tags carried in the event itself, if any (GuardDuty and ASFF carry some). */
  tags?: Record<string, string>;
  /**
   * An instance named only by a role session of this role (instance credentials seen in use,
   * `AROA…:i-…`): a claim, acted on only once the account shows the instance uses that role.
   */
  sessionOfRole?: string;
}

/** One normalised finding, whatever its source. */
export interface Finding {
  /** Stable id of the finding at its source (GuardDuty finding id, CloudTrail eventID, ASFF Id…). */
  id: string;
  source: FindingSource;
  /** Source-specific type, e.g. `Backdoor:EC2/C&CActivity.B!DNS`, `cloudtrail:StopLogging`. */
  type: string;
  title: string;
  /** 0–10 (GuardDuty scale). */
  severity: number;
  /** ISO-8601 time of the finding (or of the event). */
  time: string;
  account: string;
  region: string;
  resources: AffectedResource[];
  /** True when the event came wrapped in a drill (responder's own source). */
  drill: boolean;
  /** Drill scenario name, when `drill` is true. */
  scenario?: string;
  /**
   * The product that reported the finding, for Security Hub findings (ASFF `ProductArn`,
   * `ProductName`, `CompanyName`). Only `aws` is decided, from the ARN alone: Security Hub
   * lets an importer write any product and company name on its own findings.
   */
  product?: FindingProduct;
  /**
   * Malformed fields the response does not need, each `path: what was wrong; what was done`
   * (a placeholder snapshot id left out of the resources, a timestamp without `T` not used).
   * Absent when there are none. What the response needs is validated strictly instead: a bad
   * instance id, account, severity or type rejects the event.
   */
  warnings?: string[];
  /** The original EventBridge event, kept verbatim. */
  raw: unknown;
}

/** Who reported a Security Hub finding. */
export interface FindingProduct {
  /** ASFF `ProductArn`, when the finding carried one. */
  arn?: string;
  /** ASFF `ProductName` as the finding states it (a claim for non-AWS products). */
  name?: string;
  /** ASFF `CompanyName` as the finding states it (a claim for non-AWS products). */
  company?: string;
  /**
   * True only when `arn` is one of AWS's own products
   * (`arn:<partition>:securityhub:<region>::product/aws/<name>`), which only AWS can import
   * findings for; false for every other product, custom imports (`product/<account>/default`)
   * included, and when the ARN is missing.
   */
  aws: boolean;
}

/** What intake decided about one incoming event. */
export type IntakeResult =
  | { kind: "finding"; finding: Finding }
  | { kind: "ignored"; reason: string; source?: string; detailType?: string };

export type Tier = "critical" | "high" | "medium" | "low";

/** One line of impact reasoning, e.g. `DataClassification=restricted: +30`. */
export interface ImpactReason {
  factor: string;
  points: number;
  text: string;
}

export interface Impact {
  /** 0–100. */
  score: number;
  tier: Tier;
  reasons: ImpactReason[];
  owner?: string;
  workQueue?: string;
  /** Tags of the primary resource as read from the account. */
  tags: Record<string, string>;
}

/** Status of one action or step, per target. */
export type ActionStatus = "ok" | "skipped" | "unsupported" | "failed";

/** Status of a step on the incident timeline. */
export type StepStatus =
  | "running"
  | "ok"
  | "skipped"
  | "unsupported"
  | "failed"
  | "partial"
  | "waiting"
  | "verified";

/** One action chosen by a playbook. */
export interface PlannedAction {
  /** Registered action name, e.g. `contain-instance`, `snapshot-volumes`, `archive-evidence`, `notify`. */
  name: string;
  params: Record<string, unknown>;
  requiresApproval: boolean;
  /**
   * Ids of the resources this action may act on, when the plan narrowed them (e.g. the
   * instances left after the protected and missing ones were removed). Absent: every
   * affected resource the action applies to.
   */
  targets?: string[];
  /**
   * Targets named only by a role session (AffectedResource.sessionOfRole), with the role the
   * finding names: the contain lane acts on each only once the account shows it uses that role.
   */
  sessionRoles?: Record<string, string>;
}

/** A resource the playbook would have acted on, left alone because it is protected. */
export interface ProtectedResource {
  /** The instance (or volume) id. */
  id: string;
  kind: ResourceKind;
  /** Why: the tag or the protectedIds entry that protects it. */
  reason: string;
  account?: string;
  region?: string;
}

export interface Plan {
  playbook: string;
  actions: PlannedAction[];
  /** Why the plan differs from the playbook (protected resource, circuit open…). */
  notes: string[];
  /**
   * Resources the playbook's contain-instance would have contained, left alone because they
   * are protected: the incident stays open as "protected, not contained" and the alerts tell
   * a person how to contain them by hand. Absent when none.
   */
  protected?: ProtectedResource[];
}

/** The result of one action on one target. */
export interface ActionResult {
  name: string;
  target: string;
  status: ActionStatus;
  detail: string;
  /** Extra machine-readable data (ids created, previous state…). */
  data?: Record<string, unknown>;
}

/** A security group rule that lets the world in. */
export interface OpenIngress {
  groupId: string;
  /** `all`, or a port or range such as `22` or `1024-2048`. */
  ports: string;
  cidr: string;
}

/**
 * What the responder read from the account about one affected resource.
 * Built by the AWS adapter (DescribeInstances and friends); consumed by pure impact logic.
 */
export interface ResourceContext {
  resource: AffectedResource;
  /** False when the resource could not be found (terminated, wrong account…). */
  exists: boolean;
  /** EC2 instance state name, when the resource is an instance. */
  state?: string;
  /** Tags of the resource itself, as read from the account (merged over event tags), sanitised. */
  tags: Record<string, string>;
  /**
   * Tags read from the account only (never from the event), when the resource was read.
   * Safety rails that an event must not be able to satisfy (the drill tag) use these.
   */
  accountTags?: Record<string, string>;
  /** Tags of related resources: volumes, network interfaces, Auto Scaling group. */
  relatedTags: { source: string; tags: Record<string, string> }[];
  exposure: {
    publicIps: string[];
    openIngress: OpenIngress[];
    instanceProfileArn?: string;
  };
  vpcId?: string;
  /**
   * The responder's managed security groups (untracking, isolation) that its VPC lacks, when
   * they could be read: containment then creates them in its first round.
   */
  missingIsolationGroups?: ("untracking" | "isolation")[];
  /** The Auto Scaling group's exact name, for API calls: untrusted text, sanitise it before showing it. */
  autoScalingGroup?: string;
  /** Network interfaces attached to the instance (eni-…), when known. */
  networkInterfaceIds?: string[];
  /** EBS volumes attached to the instance (vol-…), when known. */
  volumeIds?: string[];
}
