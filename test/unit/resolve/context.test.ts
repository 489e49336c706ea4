/**
 * Tags read from the account are untrusted text: cleaned where they are read, for triage
 * (resolveContexts) and containment (buildSubject) alike. Names used in API calls stay exact.
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { buildSubject } from "../../../shared/containment/subject.ts";
import { known } from "../../../shared/containment/tracker.ts";
import { resolveContexts } from "../../../shared/resolve/context.ts";

const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const ID = "i-0123456789abcdef0";
// An Auto Scaling group name may hold line breaks; the API needs it exactly.
const GROUP = "web\nasg";
const FORGED = "prod\nContain: NOT NEEDED\u202E\u00AD\u180E";
const TAGS = [
  { Key: "Name", Value: "x|y<b>\u001B]52;c;Y3VybA==\u0007" },
  { Key: "Environment", Value: FORGED },
  { Key: "incident-responder:protected\u200B", Value: "true" },
  { Key: "aws:autoscaling:groupName", Value: GROUP },
];

afterEach(() => {
  ec2.reset();
  autoScaling.reset();
});

describe("tags read from the account", () => {
  it("are cleaned for triage, on the instance, its volumes, interfaces and Auto Scaling group", async () => {
    // Arrange
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: ID,
              Tags: TAGS,
              BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeId: "vol-0aaa" } }],
              NetworkInterfaces: [{ NetworkInterfaceId: "eni-0aaa" }],
            },
          ],
        },
      ],
    });
    ec2
      .on(DescribeVolumesCommand)
      .resolves({ Volumes: [{ VolumeId: "vol-0aaa", Tags: [{ Key: "Data", Value: FORGED }] }] });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [{ NetworkInterfaceId: "eni-0aaa", TagSet: [{ Key: "Team", Value: FORGED }] }],
    });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    autoScaling.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: [GROUP] }).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: GROUP,
          Tags: [{ Key: "Owner", Value: FORGED }],
        } as never,
      ],
    });

    // Act
    const { contexts } = await resolveContexts([{ kind: "ec2-instance", id: ID }], {
      ec2: new EC2Client({ region: "us-east-1" }),
      autoScaling: new AutoScalingClient({ region: "us-east-1" }),
    });

    // Assert
    const ctx = contexts[0];
    const clean = "prod Contain: NOT NEEDED";
    expect(ctx?.tags).toEqual({
      Name: "x|y<b>]52;c;Y3VybA==",
      Environment: clean,
      "\uFFFDincident-responder:protected": "true",
      "aws:autoscaling:groupName": "web asg",
    });
    expect(ctx?.accountTags).toEqual(ctx?.tags);
    expect(ctx?.relatedTags).toEqual([
      { source: "volume vol-0aaa", tags: { Data: clean } },
      { source: "interface eni-0aaa", tags: { Team: clean } },
      { source: "auto scaling group web asg", tags: { Owner: clean } },
    ]);
    expect(autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)[0]?.args[0].input).toEqual({
      AutoScalingGroupNames: [GROUP],
    });
    expect(ctx?.autoScalingGroup).toBe(GROUP);
  });

  it("are cleaned for containment, whose details echo the incident-id tag", () => {
    // Act
    const subject = buildSubject(ID, {
      instance: known({
        InstanceId: ID,
        Tags: [...TAGS, { Key: "incident-responder:incident-id", Value: "ir-1\nContain: NOT NEEDED" }],
      }),
      groups: known([]),
      addresses: known([]),
      associations: known([]),
      autoScaling: known([]),
      targetGroups: known([]),
      protection: {},
    });

    // Assert
    expect(subject.tags["incident-responder:incident-id"]).toBe("ir-1 Contain: NOT NEEDED");
    expect(subject.tags.Environment).toBe("prod Contain: NOT NEEDED");
    expect(Object.keys(subject.tags)).not.toContain("incident-responder:protected");
  });
});
