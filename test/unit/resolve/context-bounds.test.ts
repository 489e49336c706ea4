/**
 * Triage's reads of the account are bounded however many resources an event names: instance
 * ids in batches of 100 per DescribeInstances, and at most 10 instances read at once.
 */
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import type { AffectedResource } from "../../../shared/domain/types.ts";
import { RESOLVE_BOUNDS, resolveContexts } from "../../../shared/resolve/context.ts";

const region = { region: "us-east-1" };
const ec2 = mockClient(EC2Client);
mockClient(AutoScalingClient);

const ids = (n: number) => Array.from({ length: n }, (_, i) => `i-${String(i).padStart(17, "0")}`);
const resources = (n: number): AffectedResource[] => ids(n).map((id) => ({ kind: "ec2-instance", id }));

beforeEach(() => ec2.reset());

describe("resolveContexts", () => {
  it(`describes the instances ${RESOLVE_BOUNDS.idsPerCall} ids at a time, and reads at most ${RESOLVE_BOUNDS.concurrent} at once`, async () => {
    let inFlight = 0;
    let most = 0;
    const slow = async <T>(answer: T): Promise<T> => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight -= 1;
      return answer;
    };
    ec2.on(DescribeInstancesCommand).callsFake(async (input: { InstanceIds: string[] }) => ({
      Reservations: [
        {
          Instances: input.InstanceIds.map((InstanceId) => ({
            InstanceId,
            VpcId: "vpc-1",
            NetworkInterfaces: [{ NetworkInterfaceId: `eni-${InstanceId}` }],
          })),
        },
      ],
    }));
    ec2.on(DescribeNetworkInterfacesCommand).callsFake(() => slow({ NetworkInterfaces: [] }));
    ec2.on(DescribeSecurityGroupsCommand).callsFake(() => slow({ SecurityGroups: [] }));
    ec2.on(DescribeVolumesCommand).callsFake(() => slow({ Volumes: [] }));

    const out = await resolveContexts(resources(250), {
      ec2: new EC2Client(region),
      autoScaling: new AutoScalingClient(region),
    });

    expect(
      ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input.InstanceIds?.length),
    ).toEqual([100, 100, 50]);
    expect(out.contexts).toHaveLength(250);
    expect(out.contexts.every((c) => c.exists)).toBe(true);
    // Two reads per instance at once (its interfaces, its VPC's managed groups): 10 instances, 20 reads.
    expect(most).toBeLessThanOrEqual(2 * RESOLVE_BOUNDS.concurrent);
    expect(most).toBeGreaterThan(RESOLVE_BOUNDS.concurrent / 2);
  });
});
