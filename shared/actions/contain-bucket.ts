/**
 * `contain-bucket`: for S3 findings of exposure or exfiltration, Block Public Access (all four
 * settings) on the bucket, and a Deny statement named after the incident on its policy for the
 * principal the finding names. The previous configuration is recorded and restored by
 * `responder release`. Waits for approval by default (policy/default.yaml). Run by the contain
 * lane (shared/workflow/contain-principal.ts).
 */
import * as z from "zod";
import { defineAction } from "./types.ts";

/** The step the contain lane records for it. */
export const CONTAIN_BUCKET_STEP = "contain-bucket";

export const containBucket = defineAction({
  name: "contain-bucket",
  summary: "block public access to an S3 bucket and deny it to the finding's principal",
  params: z.strictObject({
    /** Add the deny statement for the finding's principal (Block Public Access is always set). */
    denyPrincipal: z.boolean().default(true),
  }),
  lane: "contain",
  steps: [CONTAIN_BUCKET_STEP],
  permissions: { contain: ["buckets"] },
  describe: ({ params, contexts }) => {
    const buckets = contexts.map((c) => c.resource).filter((r) => r.kind === "s3-bucket");
    return (buckets.length ? buckets.map((b) => b.id) : ["the finding's bucket"]).flatMap((b) => [
      `s3:GetBucketPublicAccessBlock + GetBucketPolicy + GetBucketTagging ${b} (record; protection)`,
      `s3:PutBucketPublicAccessBlock ${b} (all four settings on)`,
      ...(params.denyPrincipal
        ? [
            `s3:PutBucketPolicy ${b} (+ a Deny statement for the finding's principal, named after the incident)`,
          ]
        : []),
      `s3:GetBucketPublicAccessBlock + GetBucketPolicy ${b} (verify)`,
    ]);
  },
});
