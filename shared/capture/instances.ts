/**
 * The evidence lane's read of the instances it captures, behind a port: the lane asks which of
 * the finding's instances exist and what they are (volumes, interfaces, profile), never sends
 * DescribeInstances itself.
 */
import { DescribeInstancesCommand, type EC2Client, type Instance } from "@aws-sdk/client-ec2";

/** Reads the instances the evidence lane captures. Read-only. */
export interface InstanceReader {
  /**
   * The instances among `ids` that exist, as DescribeInstances describes them: none when `ids`
   * is empty or names an instance that does not exist (InvalidInstanceID.*).
   * @throws the call's error for any other failure
   */
  describe(ids: string[]): Promise<Instance[]>;
}

/** The {@link InstanceReader} of an account, through its EC2 client. */
export function ec2InstanceReader(ec2: EC2Client): InstanceReader {
  return {
    async describe(ids) {
      if (!ids.length) return [];
      try {
        const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
        return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
      } catch (err) {
        if (String((err as Error).name).startsWith("InvalidInstanceID")) return [];
        throw err;
      }
    },
  };
}
