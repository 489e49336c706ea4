/**
 * The one module that reads the environment. Everything else receives a typed config.
 * Fails fast with a {@link ConfigError} naming every missing or invalid variable.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as z from "zod";
import { ConfigError } from "../errors/index.ts";

const boolString = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");

/** Where and how to reach AWS (or the emulator). */
export const AwsConfigSchema = z.object({
  region: z.string().min(1),
  endpoint: z.string().url().optional(),
  maxAttempts: z.coerce.number().int().min(1).max(20).default(5),
});
export type AwsConfig = z.infer<typeof AwsConfigSchema>;

/** The responder's own resources, as the deployment (or the local provisioner) names them. */
export const ResourcesSchema = z.object({
  incidentTable: z.string().min(1),
  evidenceBucket: z.string().min(1),
  alertTopicArn: z.string().min(1),
  eventBusName: z.string().min(1),
  /** The stack's own intake topic: the intake function accepts its messages (and those of `trust.intakeTopicArns`). */
  intakeTopicArn: z.string().optional(),
  evidenceKmsKeyArn: z.string().optional(),
  /** The asymmetric KMS key that signs sealed manifests (unset: signatures are `unsupported`). */
  evidenceSigningKeyArn: z.string().optional(),
  isolationProfileArn: z.string().optional(),
  cleanroomTemplateUrl: z.string().optional(),
  /** The CloudFormation service role clean-room stacks are created with, in the responder's own account. */
  cleanroomStackRoleArn: z.string().optional(),
  /** The permissions boundary of clean-room workstation roles, in the responder's own account. */
  cleanroomWorkstationBoundaryArn: z.string().optional(),
});
export type ResponderResources = z.infer<typeof ResourcesSchema>;

const accountId = z.string().regex(/^\d{12}$/, "must be a 12-digit account id");

/** A comma-separated list in one variable: empty entries dropped, spaces trimmed. */
const list = (item: z.ZodString) =>
  z
    .string()
    .optional()
    .transform((v) =>
      (v ?? "")
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

/**
 * Who may speak for which account, and who may decide (docs/security.md). Events are believed
 * only as far as AWS authenticated them: the EventBridge envelope's account, a topic the
 * configuration names, an approver role the bus policy admits.
 */
export const TrustSchema = z.object({
  /** The AWS Organization of the member accounts (`o-…`), when there is one. */
  organizationId: z
    .string()
    .regex(/^o-[a-z0-9]{10,32}$/, "must be an organization id (o-…)")
    .optional(),
  /**
   * Delegated-administrator accounts (GuardDuty, Security Hub): the only envelope accounts whose
   * findings may name another account in their body.
   */
  delegatedAdminAccounts: list(accountId),
  /**
   * Member accounts the responder may act in (and assume its member roles in). Empty with an
   * organisation: any account of the organisation (aws:ResourceOrgID); empty without one: only
   * the responder's own account.
   */
  memberAccounts: list(accountId),
  /** SNS topics whose messages the intake function accepts (besides the stack's own intake topic). */
  intakeTopicArns: list(
    z.string().regex(/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, "must be an SNS topic ARN"),
  ),
  /** IAM role ARNs whose `Incident Approval Decision` events count (the bus policy admits only them). */
  approverRoleArns: list(
    z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, "must be an IAM role ARN"),
  ),
});
export type TrustConfig = z.infer<typeof TrustSchema>;

export const ConfigSchema = z.object({
  aws: AwsConfigSchema,
  resources: ResourcesSchema,
  stage: z.string().default("dev"),
  /** Path of the YAML policy file. */
  policyFile: z.string().min(1),
  /** Path of the clean-room CloudFormation template (used unless `resources.cleanroomTemplateUrl` is set). */
  cleanroomTemplateFile: z.string().min(1),
  /** When true, every mutating action is planned and recorded, never executed. */
  dryRun: z.boolean(),
  /** Role assumed in member accounts; unset means act in the responder's own account only. */
  memberRoleName: z.string().optional(),
  memberExternalId: z.string().optional(),
  /** Role assumed in member accounts for reads only (triage, intake, evidence reads); unset: `memberRoleName`. */
  memberReadRoleName: z.string().optional(),
  trust: TrustSchema,
  /** Name of the deny-all instance profile in member accounts (infra/member-account-role.yaml). */
  isolationProfileName: z
    .string()
    .regex(/^[\w+=,.@-]{1,128}$/, "must be an instance profile name")
    .default("incident-responder-isolation"),
  /**
   * What the scheduled preflight (shared/preflight/schedule.ts) expects of the stack, which a
   * function cannot read from serverless.yml: the stack's name (its function roles are
   * `<stack>-<function>-<region>`), the evidence bucket's Object Lock retention in days and
   * its bucket policy's statement ids. serverless.yml sets them on the triage function
   * (test/unit/preflight/expect.test.ts keeps them equal to the template's).
   */
  preflight: z.object({
    stackName: z.string().min(1).optional(),
    retentionDays: z.coerce.number().int().min(1).optional(),
    policySids: list(z.string().regex(/^[A-Za-z0-9]+$/, "must be a statement id")),
  }),
});
export type ResponderConfig = z.infer<typeof ConfigSchema>;

/**
 * The policy shipped with the project: in a bundle, the `policy.json` the build put next to
 * index.mjs; in the source tree, policy/default.yaml.
 */
export function defaultPolicyFile(): string {
  const shipped = fileURLToPath(new URL("./policy.json", import.meta.url));
  return existsSync(shipped) ? shipped : fileURLToPath(new URL("../../policy/default.yaml", import.meta.url));
}

/**
 * The clean-room template shipped with the project: infra/cleanroom.yaml in the source tree,
 * or, in a bundle (where that path does not exist), `cleanroom.yaml` next to index.mjs.
 */
export function defaultCleanroomTemplateFile(): string {
  const source = fileURLToPath(new URL("../../infra/cleanroom.yaml", import.meta.url));
  return existsSync(source) ? source : fileURLToPath(new URL("./cleanroom.yaml", import.meta.url));
}

/** Reads only the AWS connection settings (used by the CLI before resources exist). */
export function loadAwsConfig(env: NodeJS.ProcessEnv = process.env): AwsConfig {
  const parsed = AwsConfigSchema.safeParse({
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    endpoint: env.AWS_ENDPOINT_URL || undefined,
    maxAttempts: env.AWS_MAX_ATTEMPTS || undefined,
  });
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, AWS_ENV_NAMES));
  return parsed.data;
}

/** Reads and validates the whole configuration of a handler. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ResponderConfig {
  const parsed = ConfigSchema.safeParse({
    aws: {
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
      endpoint: env.AWS_ENDPOINT_URL || undefined,
      maxAttempts: env.AWS_MAX_ATTEMPTS || undefined,
    },
    resources: {
      incidentTable: env.INCIDENT_TABLE,
      evidenceBucket: env.EVIDENCE_BUCKET,
      alertTopicArn: env.ALERT_TOPIC_ARN,
      eventBusName: env.EVENT_BUS_NAME,
      intakeTopicArn: env.INTAKE_TOPIC_ARN || undefined,
      evidenceKmsKeyArn: env.EVIDENCE_KMS_KEY_ARN || undefined,
      evidenceSigningKeyArn: env.EVIDENCE_SIGNING_KEY_ARN || undefined,
      isolationProfileArn: env.ISOLATION_PROFILE_ARN || undefined,
      cleanroomTemplateUrl: env.CLEANROOM_TEMPLATE_URL || undefined,
      cleanroomStackRoleArn: env.CLEANROOM_STACK_ROLE_ARN || undefined,
      cleanroomWorkstationBoundaryArn: env.CLEANROOM_WORKSTATION_BOUNDARY_ARN || undefined,
    },
    stage: env.STAGE || undefined,
    policyFile: env.POLICY_FILE || defaultPolicyFile(),
    cleanroomTemplateFile: env.CLEANROOM_TEMPLATE_FILE || defaultCleanroomTemplateFile(),
    dryRun: boolString.parse(env.DRY_RUN ?? ""),
    memberRoleName: env.MEMBER_ROLE_NAME || undefined,
    memberExternalId: env.MEMBER_EXTERNAL_ID || undefined,
    memberReadRoleName: env.MEMBER_READ_ROLE_NAME || undefined,
    trust: {
      organizationId: env.ORGANIZATION_ID || undefined,
      delegatedAdminAccounts: env.DELEGATED_ADMIN_ACCOUNTS,
      memberAccounts: env.MEMBER_ACCOUNTS,
      intakeTopicArns: env.INTAKE_TOPIC_ARNS,
      approverRoleArns: env.APPROVER_ROLE_ARNS,
    },
    isolationProfileName: env.ISOLATION_PROFILE_NAME || undefined,
    preflight: {
      stackName: env.PREFLIGHT_STACK_NAME || undefined,
      retentionDays: env.PREFLIGHT_RETENTION_DAYS || undefined,
      policySids: env.PREFLIGHT_POLICY_SIDS,
    },
  });
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, ENV_NAMES));
  return parsed.data;
}

/**
 * The member accounts' isolation profile name alone (the CLI has no full configuration): the
 * same setting, checked and defaulted by the same schema as {@link loadConfig}'s.
 */
export function loadIsolationProfileName(env: NodeJS.ProcessEnv = process.env): string {
  const parsed = ConfigSchema.shape.isolationProfileName.safeParse(env.ISOLATION_PROFILE_NAME || undefined);
  if (!parsed.success)
    throw new ConfigError(`ISOLATION_PROFILE_NAME ${parsed.error.issues[0]?.message ?? "is invalid"}`);
  return parsed.data;
}

/** The environment a handler needs for the given resources (used by the local runner and the template). */
export function resourcesToEnv(r: ResponderResources): Record<string, string> {
  const env: Record<string, string> = {
    INCIDENT_TABLE: r.incidentTable,
    EVIDENCE_BUCKET: r.evidenceBucket,
    ALERT_TOPIC_ARN: r.alertTopicArn,
    EVENT_BUS_NAME: r.eventBusName,
  };
  if (r.intakeTopicArn) env.INTAKE_TOPIC_ARN = r.intakeTopicArn;
  if (r.evidenceKmsKeyArn) env.EVIDENCE_KMS_KEY_ARN = r.evidenceKmsKeyArn;
  if (r.evidenceSigningKeyArn) env.EVIDENCE_SIGNING_KEY_ARN = r.evidenceSigningKeyArn;
  if (r.isolationProfileArn) env.ISOLATION_PROFILE_ARN = r.isolationProfileArn;
  if (r.cleanroomTemplateUrl) env.CLEANROOM_TEMPLATE_URL = r.cleanroomTemplateUrl;
  if (r.cleanroomStackRoleArn) env.CLEANROOM_STACK_ROLE_ARN = r.cleanroomStackRoleArn;
  if (r.cleanroomWorkstationBoundaryArn)
    env.CLEANROOM_WORKSTATION_BOUNDARY_ARN = r.cleanroomWorkstationBoundaryArn;
  return env;
}

const AWS_ENV_NAMES: Record<string, string> = {
  region: "AWS_REGION",
  endpoint: "AWS_ENDPOINT_URL",
  maxAttempts: "AWS_MAX_ATTEMPTS",
};
const ENV_NAMES: Record<string, string> = {
  "aws.region": "AWS_REGION",
  "aws.endpoint": "AWS_ENDPOINT_URL",
  "aws.maxAttempts": "AWS_MAX_ATTEMPTS",
  "resources.incidentTable": "INCIDENT_TABLE",
  "resources.evidenceBucket": "EVIDENCE_BUCKET",
  "resources.alertTopicArn": "ALERT_TOPIC_ARN",
  "resources.eventBusName": "EVENT_BUS_NAME",
  "resources.intakeTopicArn": "INTAKE_TOPIC_ARN",
  policyFile: "POLICY_FILE",
  cleanroomTemplateFile: "CLEANROOM_TEMPLATE_FILE",
  dryRun: "DRY_RUN",
  isolationProfileName: "ISOLATION_PROFILE_NAME",
  memberReadRoleName: "MEMBER_READ_ROLE_NAME",
  "trust.organizationId": "ORGANIZATION_ID",
  "trust.delegatedAdminAccounts": "DELEGATED_ADMIN_ACCOUNTS",
  "trust.memberAccounts": "MEMBER_ACCOUNTS",
  "trust.intakeTopicArns": "INTAKE_TOPIC_ARNS",
  "trust.approverRoleArns": "APPROVER_ROLE_ARNS",
  "preflight.stackName": "PREFLIGHT_STACK_NAME",
  "preflight.retentionDays": "PREFLIGHT_RETENTION_DAYS",
  "preflight.policySids": "PREFLIGHT_POLICY_SIDS",
};

function formatIssues(error: z.ZodError, names: Record<string, string>): string {
  const lines = error.issues.map((i) => {
    const path = i.path.join(".");
    // An item of a list (`trust.memberAccounts.1`) is named by its variable and position.
    const owner = Object.keys(names).find((n) => path.startsWith(`${n}.`));
    const name = names[path] ?? (owner ? `${names[owner]}[${path.slice(owner.length + 1)}]` : path);
    return `${name}: ${i.message}`;
  });
  return `invalid configuration: ${lines.join("; ")}`;
}
