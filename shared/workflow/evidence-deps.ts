/**
 * What the evidence lane works with: its clients in the incident's account and its ports (in a
 * module of their own, so that the lane's parts import them without importing the lane).
 */
import type { EBSClient } from "@aws-sdk/client-ebs";
import type { S3Client } from "@aws-sdk/client-s3";
import type { ArtifactClients } from "../capture/artifacts.ts";
import type { InstanceReader } from "../capture/instances.ts";
import type { ManifestSigner } from "../evidence/signing.ts";
import type { BaseDeps } from "./deps.ts";

/** What the lane works with in the incident's account: the collectors' clients and the instance reader. */
export interface EvidenceClients extends ArtifactClients {
  /** Which of the finding's instances exist, and what they are. */
  instances: InstanceReader;
  /** The EBS direct APIs, for disk images of the snapshots. */
  ebs: EBSClient;
}

export interface EvidenceDeps extends BaseDeps {
  clientsFor(account: string, incidentId: string): Promise<EvidenceClients>;
  s3: S3Client;
  bucket: string;
  kmsKeyId?: string;
  /** Signs the sealed manifest's digest; absent: the record says `unsupported`. */
  signer?: ManifestSigner;
  /**
   * True when the invocation should stop imaging disks after the current part (its deadline is
   * near); by default once the images have run for `IMAGE_WORK_MS` (evidence-images.ts).
   */
  imagePause?: () => boolean;
}
