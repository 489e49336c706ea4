/**
 * `launch-cleanroom`: a per-incident forensic workspace (CloudFormation), built from the
 * evidence snapshots once the evidence is sealed. Run by the cleanroom lane
 * (shared/workflow/cleanroom/), on `Evidence Preserved`.
 */
import * as z from "zod";
import { CLEANROOM_STEP, MANIFEST_STEP } from "./step-names.ts";
import { defineAction } from "./types.ts";

export const launchCleanroom = defineAction({
  name: "launch-cleanroom",
  summary: "an isolated forensic workspace built from the evidence snapshots",
  params: z.strictObject({}),
  lane: "cleanroom",
  steps: [CLEANROOM_STEP],
  // It starts when the evidence is sealed: sealing again (over all the evidence) starts it.
  reopenOnGrowth: [MANIFEST_STEP],
  permissions: { cleanroom: ["cleanroom"] },
  describe: () => [
    "cloudformation:CreateStack clean room (VPC without internet gateway, VPC endpoints only, volumes from the evidence snapshots, TTL from settings.cleanroom.ttlHours)",
  ],
});
