/**
 * Release of a contained bucket (`responder release`, run by people with their own
 * credentials): the recorded Block Public Access put back (or deleted when the bucket had
 * none) and the incident's statement removed from the policy as it is now, each read back.
 */
import {
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { recordedAttempt } from "../domain/attempt.ts";
import type { ActionResult } from "../domain/types.ts";
import { CallCount } from "../principal/iam.ts";
import { hasSid, withoutStatement } from "./policy.ts";
import { type BucketOutcome, type BucketRecord, readBucket } from "./s3.ts";

/** Puts back the recorded Block Public Access and removes the incident's statement. */
export async function releaseBucket(
  s3: S3Client,
  record: BucketRecord,
  opts: { dryRun: boolean },
): Promise<BucketOutcome> {
  const count = new CallCount();
  const owner = { Bucket: record.bucket, ExpectedBucketOwner: record.account };
  const steps: ActionResult[] = [];
  const open: string[] = [];
  const before = record.before.publicAccessBlock;
  if (opts.dryRun) {
    steps.push({
      name: "restore-public-access-block",
      target: record.bucket,
      status: "skipped",
      detail: `dry run: ${before ? "put back the recorded settings" : "delete the configuration"}; remove ${record.sid}`,
    });
    return { bucket: record.bucket, status: "dry-run", steps, open, calls: 0, rounds: 0 };
  }
  const attempt = recordedAttempt(steps, record.bucket, { open });
  const current = await readBucket(s3, record.bucket, record.account, count);
  const rest = withoutStatement(current.policy ?? undefined, record.sid);
  const changes = [
    attempt(
      "restore-public-access-block",
      before
        ? "recorded Block Public Access put back"
        : "Block Public Access configuration deleted (it had none)",
      () =>
        before
          ? s3.send(new PutPublicAccessBlockCommand({ ...owner, PublicAccessBlockConfiguration: before }))
          : s3.send(new DeletePublicAccessBlockCommand(owner)),
    ),
  ];
  if (current.policy && hasSid(current.policy, record.sid))
    changes.push(
      attempt("remove-bucket-deny-statement", `${record.sid} removed`, () =>
        rest
          ? s3.send(new PutBucketPolicyCommand({ ...owner, Policy: rest }))
          : s3.send(new DeleteBucketPolicyCommand(owner)),
      ),
    );
  await count.round(changes);
  const after = await readBucket(s3, record.bucket, record.account, count);
  if (JSON.stringify(after.publicAccessBlock) !== JSON.stringify(before))
    open.push("Block Public Access does not read back as recorded");
  if (after.policy && hasSid(after.policy, record.sid))
    open.push(`${record.sid} is still on the bucket policy`);
  return {
    bucket: record.bucket,
    status: open.length ? "failed" : "released",
    steps,
    open,
    calls: count.calls,
    rounds: count.rounds,
  };
}
