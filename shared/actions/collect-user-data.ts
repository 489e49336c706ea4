/**
 * `collect-user-data`: the instance's user data, archived byte for byte with its SHA-256.
 * User data runs as root at boot (cloud-init, EC2Launch), so an attacker who can call
 * `ModifyInstanceAttribute` plants persistence there that survives a reboot and that no disk
 * snapshot of a running instance shows in one place. The bytes are kept exactly as EC2 returns
 * them once base64-decoded (gzip and MIME multipart included): they may hold secrets, so they
 * go only to the evidence bucket, never into an alert. Run by the evidence lane's artifacts
 * step (shared/workflow/evidence.ts); the manifest seals it.
 *
 * The whole action is this file: its name, parameters, steps, IAM (its own module), the calls
 * `responder plan` shows and the collector the lane runs.
 */
import { DescribeInstanceAttributeCommand } from "@aws-sdk/client-ec2";
import * as z from "zod";
import type { Collected } from "../capture/artifacts.ts";
import { defineEvidenceAction } from "./evidence-lane.ts";
import { ARTIFACT_STEP } from "./step-names.ts";

/** EC2's limit on user data (16 KB before base64): a longer answer is not user data as EC2 keeps it. */
const MAX_USER_DATA_BYTES = 16 * 1024;

/**
 * Pure: the artifact of an instance's user data, from DescribeInstanceAttribute's base64 value
 * (absent or empty: the instance has none).
 */
export function userDataArtifact(base64: string | undefined): Collected {
  if (!base64) return { kind: "none", reason: "the instance has no user data" };
  const body = Buffer.from(base64, "base64");
  if (body.length > MAX_USER_DATA_BYTES)
    throw new Error(`user data of ${body.length} bytes is over EC2's limit of ${MAX_USER_DATA_BYTES}`);
  return { kind: "content", body, contentType: contentTypeOf(body) };
}

/** gzip (cloud-init accepts it compressed), UTF-8 text (scripts, cloud-config, MIME) or bytes. */
function contentTypeOf(body: Buffer): string {
  if (body[0] === 0x1f && body[1] === 0x8b) return "application/gzip";
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(body);
    return "text/plain; charset=utf-8";
  } catch {
    return "application/octet-stream";
  }
}

export const collectUserData = defineEvidenceAction({
  name: "collect-user-data",
  summary:
    "the instance's user data (a persistence vector that runs as root at boot), archived with its SHA-256",
  params: z.strictObject({}),
  step: ARTIFACT_STEP,
  modules: [],
  ownModule: {
    summary: "an instance's user data (read-only)",
    scope: "target",
    files: ["shared/actions/collect-user-data.ts"],
    actions: ["ec2:DescribeInstanceAttribute"],
  },
  describe: ({ instances }) => [
    ...instances.map((ctx) => `ec2:DescribeInstanceAttribute ${ctx.resource.id} userData`),
    "s3:PutObject evidence bucket (user data as returned, SSE-KMS, Object Lock, SHA-256)",
  ],
  collectors: ({ instance, clients }) => {
    const instanceId = instance.InstanceId ?? "";
    return [
      {
        name: `${instanceId}/user-data`,
        sourceApiCall: "ec2:DescribeInstanceAttribute",
        collect: async () => {
          const out = await clients.ec2.send(
            new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: "userData" }),
          );
          return userDataArtifact(out.UserData?.Value);
        },
      },
    ];
  },
});
