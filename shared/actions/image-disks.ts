/**
 * `image-disks`: a raw disk image of every completed evidence snapshot, read through the EBS
 * direct APIs into the evidence bucket (no instance, no volume), with its SHA-256 and per-block
 * checksums; for the root volume, the blocks changed since the AMI's root snapshot when that
 * snapshot is readable. Run by the evidence lane once the snapshots have completed
 * (shared/workflow/evidence-images.ts); a volume larger than one invocation can copy continues
 * in the next from its last part; the manifest seals the images.
 */
import { DescribeImagesCommand, type EC2Client, type Instance } from "@aws-sdk/client-ec2";
import * as z from "zod";
import { ArchiveStorageClassSchema } from "../evidence/manifest-schema.ts";
import { defineEvidenceAction } from "./evidence-lane.ts";
import { IMAGE_STEP } from "./step-names.ts";

export const imageDisks = defineEvidenceAction({
  name: "image-disks",
  summary:
    "a raw disk image of each evidence snapshot (EBS direct APIs, no instance), hashed, with the blocks changed since the AMI",
  params: z.strictObject({
    /** Storage class of the images (they are large and read rarely: Deep Archive by default). */
    storageClass: ArchiveStorageClassSchema.default("DEEP_ARCHIVE"),
    /** List the root volume's blocks changed since the AMI's root snapshot, when it is readable. */
    changedBlocks: z.boolean().default(true),
  }),
  step: IMAGE_STEP,
  modules: ["snapshotBlocks", "diskImage"],
  ownModule: {
    summary: "the AMI of an evidence instance, for its root snapshot (read-only)",
    scope: "target",
    files: ["shared/actions/image-disks.ts"],
    actions: ["ec2:DescribeImages"],
  },
  describe: ({ params, instances }) => [
    ...instances.map(
      (ctx) =>
        `ebs:ListSnapshotBlocks, ebs:GetSnapshotBlock (each completed snapshot of ${ctx.resource.id}) → s3 multipart upload incidents/<id>/artifacts/disk-images/<snapshot>.raw (${params.storageClass}, Object Lock, SHA-256)`,
    ),
    ...(params.changedBlocks
      ? instances.map(
          (ctx) =>
            `ec2:DescribeImages (AMI of ${ctx.resource.id}), ebs:ListChangedBlocks (AMI root snapshot → the root volume's snapshot)`,
        )
      : []),
  ],
});

/**
 * The AMI root snapshot each root volume was made from, by volume id: only the root volume of
 * an instance whose AMI this account can still describe (an AMI deregistered, or another
 * account's no longer shared, gives none).
 */
export async function amiRootSnapshots(ec2: EC2Client, instances: Instance[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const imageIds = [...new Set(instances.flatMap((i) => (i.ImageId ? [i.ImageId] : [])))];
  if (!imageIds.length) return out;
  const images = await ec2
    .send(new DescribeImagesCommand({ ImageIds: imageIds }))
    .then((r) => r.Images ?? [])
    .catch((err: Error) => {
      // One unknown id fails the whole call: the AMIs are asked for one by one then.
      if (!String(err.name).startsWith("InvalidAMIID")) throw err;
      return Promise.all(
        imageIds.map((id) =>
          ec2
            .send(new DescribeImagesCommand({ ImageIds: [id] }))
            .then((r) => r.Images ?? [])
            .catch(() => []),
        ),
      ).then((lists) => lists.flat());
    });
  for (const instance of instances) {
    const image = images.find((i) => i.ImageId === instance.ImageId);
    const root = image?.BlockDeviceMappings?.find((m) => m.DeviceName === image.RootDeviceName);
    const volume = instance.BlockDeviceMappings?.find((m) => m.DeviceName === instance.RootDeviceName)?.Ebs
      ?.VolumeId;
    if (root?.Ebs?.SnapshotId && volume) out.set(volume, root.Ebs.SnapshotId);
  }
  return out;
}
