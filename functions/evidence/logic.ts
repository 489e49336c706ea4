/**
 * The evidence function's logic (functions/evidence/handler.ts wires it to middy).
 */
import {
  autoScalingClient,
  cloudTrailClient,
  ebsClient,
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
import { continueEvidence, runEvidence } from "../../shared/workflow/evidence.ts";
import { CONTINUE_EVENT, IMAGE_WORK_MS } from "../../shared/workflow/evidence-images.ts";
import { onSnapshotEvent } from "../../shared/workflow/snapshot-events.ts";

/**
 * evidence: `Incident Opened` with capture actions, EBS snapshot completion events, and
 * `Evidence Continue` (a disk image paused by the invocation before).
 */
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
        ebs: rt.clients.of(read, ebsClient),
        instances: ec2InstanceReader(ec2),
        iam: rt.clients.of(read, iamClient),
        autoScaling: rt.clients.of(read, autoScalingClient),
        elbv2: rt.clients.of(read, elbv2Client),
        cloudTrail: rt.clients.of(read, cloudTrailClient),
      };
    },
  };
  return async (event) => {
    // Disk images pause before the function's timeout: measured from this invocation's start.
    const started = Date.now();
    const invocation = { ...deps, imagePause: () => Date.now() - started > IMAGE_WORK_MS };
    if (event.source === "aws.ec2") return onSnapshotEvent(event, invocation);
    const incidentId = String(event.detail?.incidentId ?? "");
    if (event["detail-type"] === CONTINUE_EVENT) return continueEvidence(incidentId, invocation);
    return runEvidence(incidentId, invocation);
  };
}
