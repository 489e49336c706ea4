/**
 * Where the endpoint the functions talk to departs from AWS in ways the product allows for.
 * In AWS there are none ({@link AWS_BEHAVIOUR}, what every deployed function uses); the local
 * runner supplies the emulator's (cli/local/quirks.ts). No code in `shared/` asks whether it
 * runs against an emulator: it asks the quirks it was given.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";

/** The endpoint's departures from AWS that the functions allow for. */
export interface EmulatorQuirks {
  /**
   * Clean-room volumes are given their snapshot's size explicitly. AWS takes the template's 0
   * as "the snapshot's size"; moto needs a Size.
   */
  explicitVolumeSize: boolean;
  /**
   * What a deleted clean-room stack left behind, looked up after DeleteStack answered
   * DependencyViolation (moto deletes the stack at once, leaves VPC endpoints and volumes and
   * then answers so; AWS does not). Read-only, best effort: reported, never acted on.
   */
  stackLeftovers(ec2: EC2Client, stackName: string): Promise<string[]>;
}

/** AWS's own behaviour: no explicit sizes, and a deleted stack leaves nothing behind. */
export const AWS_BEHAVIOUR: EmulatorQuirks = Object.freeze({
  explicitVolumeSize: false,
  stackLeftovers: async () => [],
});
