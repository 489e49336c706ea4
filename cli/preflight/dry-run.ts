/**
 * The CreateSecurityGroup dry run of `responder preflight`: run with the operator's credentials
 * only (the scheduled preflight's function may not create security groups, so it never asks).
 */
import { CreateSecurityGroupCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { type ClientOptions, ec2Client } from "../../shared/aws/clients.ts";
import { errorCode } from "../../shared/aws/errors.ts";
import type { DryRunOutcome } from "../../shared/preflight/judge.ts";
import { observe } from "../../shared/preflight/read.ts";
import type { Observed } from "../../shared/preflight/types.ts";

/** CreateSecurityGroup with DryRun in every VPC of the region: nothing is created. */
export function dryRunGroups(o: ClientOptions): Promise<Observed<DryRunOutcome[]>> {
  const ec2 = ec2Client(o);
  return observe("ec2:DescribeVpcs", async () => {
    const vpcs = await ec2.send(new DescribeVpcsCommand({}));
    const out: DryRunOutcome[] = [];
    for (const vpc of vpcs.Vpcs ?? []) {
      const vpcId = vpc.VpcId ?? "";
      try {
        await ec2.send(
          new CreateSecurityGroupCommand({
            VpcId: vpcId,
            GroupName: "incident-responder-preflight",
            Description: "preflight dry run",
            DryRun: true,
          }),
        );
        // A dry run that succeeds would have created the group: no endpoint should answer so.
        out.push({ vpcId, outcome: "other", detail: "the dry run was not refused as a dry run" });
      } catch (err) {
        const code = errorCode(err);
        if (code === "DryRunOperation") out.push({ vpcId, outcome: "allowed", detail: code });
        else if (code === "UnauthorizedOperation") out.push({ vpcId, outcome: "denied", detail: code });
        else out.push({ vpcId, outcome: "other", detail: `${code ?? ""} ${(err as Error).message}`.trim() });
      }
    }
    return out;
  });
}
