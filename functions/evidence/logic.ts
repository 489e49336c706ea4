/**
 * The evidence function's logic (functions/evidence/handler.ts wires it to middy).
 */
import {
  autoScalingClient,
  cloudTrailClient,
  ec2Client,
  elbv2Client,
  iamClient,
  kmsClient,
  s3Client,
} from "../../shared/aws/clients.ts";
import { kmsManifestSigner } from "../../shared/evidence/signing.ts";
import type { Runtime } from "../../shared/runtime/base.ts";
import type { AnyEvent, Logic } from "../../shared/runtime/lambda.ts";
import { runEvidence } from "../../shared/workflow/evidence.ts";
import { onSnapshotEvent } from "../../shared/workflow/snapshot-events.ts";

/** evidence: `Incident Opened` with capture actions, and EBS snapshot completion events. */
export function evidenceLogic(rt: Runtime): Logic<AnyEvent> {
  const deps = {
    ...rt.deps,
    s3: s3Client(rt.aws),
    bucket: rt.config.resources.evidenceBucket,
    ...(rt.config.resources.evidenceKmsKeyArn ? { kmsKeyId: rt.config.resources.evidenceKmsKeyArn } : {}),
    signer: kmsManifestSigner(kmsClient(rt.aws), rt.config.resources.evidenceSigningKeyArn),
    clientsFor: async (account: string, id: string) => {
      // EC2 with the act role (snapshots, their tags and locks); the rest only reads.
      const [act, read] = await Promise.all([
        rt.sessions.optionsFor(account, id, "act"),
        rt.sessions.optionsFor(account, id, "read"),
      ]);
      return {
        ec2: ec2Client(act),
        iam: iamClient(read),
        autoScaling: autoScalingClient(read),
        elbv2: elbv2Client(read),
        cloudTrail: cloudTrailClient(read),
      };
    },
  };
  return async (event) => {
    if (event.source === "aws.ec2") return onSnapshotEvent(event, deps);
    return runEvidence(String(event.detail?.incidentId ?? ""), deps);
  };
}
