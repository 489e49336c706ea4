/**
 * The shape of one module's IAM permissions (./modules.ts) and the pieces several modules share.
 */

/**
 * Where a module's calls land. `responder`: the responder's own resources (table, bucket,
 * topic, bus, key, queues). `target`: the account of the affected resource — the responder's
 * own account with the function's role, or a member account through the member role, which
 * must then grant the same actions (infra/member-account-role.yaml).
 */
export type Scope = "responder" | "target";

/** One module of the code and the IAM actions its AWS calls need. */
export interface ModulePermissions {
  summary: string;
  scope: Scope;
  /**
   * Repository-relative source files whose SDK calls this module accounts for; an entry
   * ending in `/` stands for every file under it that no module names exactly.
   */
  files: readonly string[];
  /** Every IAM action the module needs, sorted. */
  actions: readonly string[];
  /** Actions in `actions` that no SDK command in `files` shows, with the reason. */
  implicit?: Readonly<Record<string, string>>;
  /** Services through which the module uses the responder's KMS key (kms:ViaService). */
  kmsVia?: readonly ("dynamodb" | "s3" | "sns" | "sqs")[];
}

/** What using a resource encrypted with the responder's key takes, with the reason. */
export const KMS_ENVELOPE = {
  "kms:GenerateDataKey": "the resource is encrypted with the responder's key: writing needs a data key",
  "kms:Decrypt":
    "the resource is encrypted with the responder's key: reading (and multipart or queued writes) decrypt the data key",
} as const;

/** What reading a principal's state takes (readPrincipal, shared/principal/iam.ts), sorted. */
export const PRINCIPAL_READS = [
  "iam:GetAccessKeyLastUsed",
  "iam:GetLoginProfile",
  "iam:GetRole",
  "iam:GetUser",
  "iam:ListAccessKeys",
  "iam:ListAttachedRolePolicies",
  "iam:ListAttachedUserPolicies",
  "iam:ListGroupsForUser",
  "iam:ListRolePolicies",
  "iam:ListRoleTags",
  "iam:ListUserPolicies",
  "iam:ListUserTags",
] as const;
