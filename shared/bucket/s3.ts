/**
 * S3 calls of `contain-bucket`: reads the bucket's Block Public Access and policy (recorded
 * before any change), blocks public access, adds the incident's deny statement, verifies by
 * reading back, and restores both on release. Every call names the expected bucket owner: a
 * bucket of another account (S3 names are global) is never touched.
 */
import {
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import * as z from "zod";
import { errorCode } from "../aws/errors.ts";
import { recordedAttempt } from "../domain/attempt.ts";
import type { ActionResult } from "../domain/types.ts";
import { CallCount } from "../principal/iam.ts";
import {
  BLOCK_ALL,
  blocksAll,
  denyStatement,
  hasStatement,
  type PublicAccessBlock,
  withStatement,
} from "./policy.ts";

const PublicAccessBlockSchema = z.object({
  BlockPublicAcls: z.boolean(),
  IgnorePublicAcls: z.boolean(),
  BlockPublicPolicy: z.boolean(),
  RestrictPublicBuckets: z.boolean(),
});

/** What the responder did to one bucket, enough to undo it. */
export const BucketRecordSchema = z.object({
  bucket: z.string(),
  account: z.string().regex(/^\d{12}$/),
  sid: z.string(),
  /** The principal denied, when the finding named one. */
  principalArn: z.string().optional(),
  before: z.object({
    /** null: the bucket had no Block Public Access configuration. */
    publicAccessBlock: PublicAccessBlockSchema.nullable(),
    /** null: the bucket had no policy. */
    policy: z.string().nullable(),
    tags: z.record(z.string(), z.string()),
  }),
  containedAt: z.string(),
});
export type BucketRecord = z.infer<typeof BucketRecordSchema>;

/** The incident's `bucketContainment`: by bucket name. */
export const BucketContainmentSchema = z.object({
  buckets: z.record(z.string(), BucketRecordSchema).default({}),
  leftAlone: z.array(z.object({ bucket: z.string(), reason: z.string() })).default([]),
});
export type BucketContainment = z.infer<typeof BucketContainmentSchema>;

const absent = (codes: string[]) => (err: unknown) => {
  if (codes.includes(errorCode(err) ?? "")) return undefined;
  throw err;
};

/** Reads a bucket's Block Public Access, policy and tags (the state before containment). */
export async function readBucket(
  s3: S3Client,
  bucket: string,
  account: string,
  count = new CallCount(),
): Promise<BucketRecord["before"]> {
  const owner = { Bucket: bucket, ExpectedBucketOwner: account };
  const [bpa, policy, tags] = await count.round<unknown>([
    s3.send(new GetPublicAccessBlockCommand(owner)).catch(absent(["NoSuchPublicAccessBlockConfiguration"])),
    s3.send(new GetBucketPolicyCommand(owner)).catch(absent(["NoSuchBucketPolicy"])),
    s3.send(new GetBucketTaggingCommand(owner)).catch(absent(["NoSuchTagSet", "NoSuchTagSetError"])),
  ]);
  const conf = (bpa as { PublicAccessBlockConfiguration?: Partial<PublicAccessBlock> } | undefined)
    ?.PublicAccessBlockConfiguration;
  return {
    publicAccessBlock: conf
      ? {
          BlockPublicAcls: conf.BlockPublicAcls ?? false,
          IgnorePublicAcls: conf.IgnorePublicAcls ?? false,
          BlockPublicPolicy: conf.BlockPublicPolicy ?? false,
          RestrictPublicBuckets: conf.RestrictPublicBuckets ?? false,
        }
      : null,
    policy: (policy as { Policy?: string } | undefined)?.Policy ?? null,
    tags: Object.fromEntries(
      ((tags as { TagSet?: { Key?: string; Value?: string }[] } | undefined)?.TagSet ?? []).map((t) => [
        t.Key ?? "",
        t.Value ?? "",
      ]),
    ),
  };
}

/** The outcome of containing or releasing one bucket. */
export interface BucketOutcome {
  bucket: string;
  status: "verified" | "released" | "failed" | "dry-run";
  steps: ActionResult[];
  open: string[];
  calls: number;
  rounds: number;
}

/** Blocks public access and adds the deny statement; verified by reading back. */
export async function containBucket(
  s3: S3Client,
  record: BucketRecord,
  opts: { incidentId: string; partition?: string; persist(record: BucketRecord): Promise<void> },
  count: CallCount,
): Promise<BucketOutcome> {
  const owner = { Bucket: record.bucket, ExpectedBucketOwner: record.account };
  await opts.persist(record);
  const steps: ActionResult[] = [];
  const attempt = recordedAttempt(steps, record.bucket);
  const statement = record.principalArn
    ? denyStatement(opts.incidentId, record.bucket, record.principalArn, opts.partition)
    : undefined;
  const changes = [
    attempt("block-public-access", "all four Block Public Access settings on", () =>
      s3.send(
        new PutPublicAccessBlockCommand({ ...owner, PublicAccessBlockConfiguration: { ...BLOCK_ALL } }),
      ),
    ),
  ];
  if (statement) {
    // Written over the policy read now, not the one recorded: a retry keeps later changes.
    const current = await readBucket(s3, record.bucket, record.account, count);
    changes.push(
      attempt("bucket-deny-statement", `${statement.Sid}: deny s3:* to ${record.principalArn}`, () =>
        s3.send(
          new PutBucketPolicyCommand({
            ...owner,
            Policy: withStatement(current.policy ?? undefined, statement),
          }),
        ),
      ),
    );
  }
  await count.round(changes);
  const after = await readBucket(s3, record.bucket, record.account, count);
  const open: string[] = [];
  if (!blocksAll(after.publicAccessBlock)) open.push("Block Public Access is not fully on");
  if (statement && !hasStatement(after.policy ?? undefined, statement))
    open.push(`${statement.Sid} is not on the bucket policy`);
  const failed = steps.some((s) => s.status === "failed");
  return {
    bucket: record.bucket,
    status: open.length || failed ? "failed" : "verified",
    steps,
    open,
    calls: count.calls,
    rounds: count.rounds,
  };
}
