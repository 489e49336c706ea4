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
  evidenceKmsKeyArn: z.string().optional(),
  isolationProfileArn: z.string().optional(),
  cleanroomTemplateUrl: z.string().optional(),
  /** The CloudFormation service role clean-room stacks are created with, in the responder's own account. */
  cleanroomStackRoleArn: z.string().optional(),
  /** The permissions boundary of clean-room workstation roles, in the responder's own account. */
  cleanroomWorkstationBoundaryArn: z.string().optional(),
});
export type ResponderResources = z.infer<typeof ResourcesSchema>;

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
  /** Name of the deny-all instance profile in member accounts (infra/member-account-role.yaml). */
  isolationProfileName: z
    .string()
    .regex(/^[\w+=,.@-]{1,128}$/, "must be an instance profile name")
    .default("incident-responder-isolation"),
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
      evidenceKmsKeyArn: env.EVIDENCE_KMS_KEY_ARN || undefined,
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
    isolationProfileName: env.ISOLATION_PROFILE_NAME || undefined,
  });
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, ENV_NAMES));
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
  if (r.evidenceKmsKeyArn) env.EVIDENCE_KMS_KEY_ARN = r.evidenceKmsKeyArn;
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
  policyFile: "POLICY_FILE",
  cleanroomTemplateFile: "CLEANROOM_TEMPLATE_FILE",
  dryRun: "DRY_RUN",
  isolationProfileName: "ISOLATION_PROFILE_NAME",
};

function formatIssues(error: z.ZodError, names: Record<string, string>): string {
  const lines = error.issues.map((i) => {
    const path = i.path.join(".");
    return `${names[path] ?? path}: ${i.message}`;
  });
  return `invalid configuration: ${lines.join("; ")}`;
}
