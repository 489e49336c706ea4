/**
 * Triage reads the instance's interfaces and volumes for `responder plan`, which describes
 * containment with the planner that runs it: one swap per interface, one flag per volume.
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
import { afterEach, describe, expect, it } from "vitest";
import { resolveContexts } from "../../../shared/resolve/context.ts";

const ec2 = mockClient(EC2Client);
const ID = "i-0123456789abcdef0";

afterEach(() => ec2.reset());

describe("resolveContexts", () => {
  it("keeps the ids of the instance's interfaces and volumes, in the order DescribeInstances gives", async () => {
    // Arrange
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: ID,
              VpcId: "vpc-1",
              BlockDeviceMappings: [
                { DeviceName: "/dev/xvda", Ebs: { VolumeId: "vol-0aaa" } },
                { DeviceName: "/dev/sdf", Ebs: { VolumeId: "vol-0bbb" } },
                { DeviceName: "/dev/sdg" },
              ],
              NetworkInterfaces: [{ NetworkInterfaceId: "eni-0aaa" }, {}, { NetworkInterfaceId: "eni-0bbb" }],
            },
          ],
        },
      ],
    });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });

    // Act
    const { contexts } = await resolveContexts([{ kind: "ec2-instance", id: ID }], {
      ec2: new EC2Client({ region: "us-east-1" }),
      autoScaling: new AutoScalingClient({ region: "us-east-1" }),
    });

    // Assert
    expect(contexts[0]?.networkInterfaceIds).toEqual(["eni-0aaa", "eni-0bbb"]);
    expect(contexts[0]?.volumeIds).toEqual(["vol-0aaa", "vol-0bbb"]);
  });
});
