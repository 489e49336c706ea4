/**
 * The IAM actions an AWS SDK command needs (for the permission tests that read the code's imports).
 */
/** IAM service prefix of each SDK client package. */
const SERVICE_OF_PACKAGE: Readonly<Record<string, string>> = {
  "client-auto-scaling": "autoscaling",
  "client-cloudformation": "cloudformation",
  "client-cloudtrail": "cloudtrail",
  "client-config-service": "config",
  "client-dynamodb": "dynamodb",
  "client-ebs": "ebs",
  "client-ec2": "ec2",
  "client-elastic-load-balancing-v2": "elasticloadbalancing",
  "client-eventbridge": "events",
  "client-guardduty": "guardduty",
  "client-iam": "iam",
  "client-kms": "kms",
  "client-s3": "s3",
  "client-securityhub": "securityhub",
  "client-sns": "sns",
  "client-sqs": "sqs",
  "client-ssm": "ssm",
  "client-sts": "sts",
};

/** SDK operations whose IAM action is not `<service>:<operation>`. */
const ACTION_OVERRIDES: Readonly<Record<string, readonly string[]>> = {
  "sts:GetCallerIdentity": [],
  "s3:HeadObject": ["s3:GetObject"],
  "s3:HeadBucket": ["s3:ListBucket"],
  "s3:ListObjects": ["s3:ListBucket"],
  "s3:ListObjectsV2": ["s3:ListBucket"],
  "s3:ListObjectVersions": ["s3:ListBucketVersions"],
  "s3:GetPublicAccessBlock": ["s3:GetBucketPublicAccessBlock"],
  "s3:PutPublicAccessBlock": ["s3:PutBucketPublicAccessBlock"],
  "s3:DeletePublicAccessBlock": ["s3:PutBucketPublicAccessBlock"],
  "s3:CreateMultipartUpload": ["s3:PutObject"],
  "s3:UploadPart": ["s3:PutObject"],
  "s3:CompleteMultipartUpload": ["s3:PutObject"],
  "s3:ListParts": ["s3:ListMultipartUploadParts"],
  "s3:GetObjectLockConfiguration": ["s3:GetBucketObjectLockConfiguration"],
};

/** lib-dynamodb document commands, by the low-level action they make. */
const DOCUMENT_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  Get: ["dynamodb:GetItem"],
  Put: ["dynamodb:PutItem"],
  Update: ["dynamodb:UpdateItem"],
  Delete: ["dynamodb:DeleteItem"],
  Query: ["dynamodb:Query"],
  Scan: ["dynamodb:Scan"],
  BatchGet: ["dynamodb:BatchGetItem"],
  BatchWrite: ["dynamodb:BatchWriteItem"],
  TransactGet: ["dynamodb:GetItem"],
};

/** What each kind of item in a TransactWriteItems request is authorised as. */
const TRANSACT_ITEM_ACTIONS: Readonly<Record<string, string>> = {
  Put: "dynamodb:PutItem",
  Update: "dynamodb:UpdateItem",
  Delete: "dynamodb:DeleteItem",
  ConditionCheck: "dynamodb:ConditionCheckItem",
};

/**
 * The IAM actions an SDK command needs.
 * @param pkg the package it is imported from, e.g. `@aws-sdk/client-ec2`
 * @param name the imported name, e.g. `DescribeInstancesCommand` (or `Upload` of lib-storage)
 * @param source the importing file's text: a transaction is authorised per item kind it writes
 */
export function iamActionsFor(pkg: string, name: string, source = ""): string[] {
  const bare = pkg.replace(/^@aws-sdk\//, "");
  if (bare === "lib-storage" && name === "Upload") return ["s3:PutObject", "s3:AbortMultipartUpload"];
  const op = name.replace(/Command$/, "");
  if (bare === "lib-dynamodb" || (bare === "client-dynamodb" && /^Transact/.test(op))) {
    if (op === "TransactWrite" || op === "TransactWriteItems") {
      const kinds = [...source.matchAll(/\b(Put|Update|Delete|ConditionCheck)\s*:\s*\{/g)].map(
        (m) => m[1] ?? "",
      );
      return [...new Set(kinds.map((k) => TRANSACT_ITEM_ACTIONS[k] ?? ""))].filter(Boolean).sort();
    }
    const doc = DOCUMENT_COMMANDS[op];
    if (doc) return [...doc];
  }
  const service = SERVICE_OF_PACKAGE[bare];
  if (!service) throw new Error(`no IAM service known for package ${pkg}`);
  const action = `${service}:${op}`;
  return [...(ACTION_OVERRIDES[action] ?? [action])];
}
