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
import { ec2InstanceReader } from "../../shared/capture/instances.ts";
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
      const ec2 = rt.clients.of(act, ec2Client);
      return {
        ec2,
        instances: ec2InstanceReader(ec2),
        iam: rt.clients.of(read, iamClient),
        autoScaling: rt.clients.of(read, autoScalingClient),
        elbv2: rt.clients.of(read, elbv2Client),
        cloudTrail: rt.clients.of(read, cloudTrailClient),
      };
    },
  };
  return async (event) => {
    if (event.source === "aws.ec2") return onSnapshotEvent(event, deps);
    return runEvidence(String(event.detail?.incidentId ?? ""), deps);
  };
}
