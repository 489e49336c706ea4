/**
 * The clean room template, created and deleted in the emulator (moto 5.2.1).
 *
 * What moto does with this template, as checked here:
 * - creates the VPC, both private subnets, the route table (with the S3 gateway endpoint's route),
 *   the four VPC endpoints, both security groups and the separate ingress rule, the role and
 *   instance profile, the launch template, the instance (profile associated, no public IP, tags)
 *   and the evidence volumes and their attachments; evaluates the conditions (one to four
 *   snapshots) and the outputs; resolves the SSM parameter type of `AmiId` from the
 *   `/aws/service/ami-amazon-linux-latest/...` parameters it ships with.
 *
 * What moto does not model (emulator gaps; the template stays written for AWS):
 * - inline `SecurityGroupEgress` is ignored: both groups keep the default allow-all egress rule;
 * - the instance's `SecurityGroupIds` and its launch template are ignored: the instance lands in the
 *   VPC's default group, with `HttpTokens: optional` and no root volume mapping;
 * - volumes ignore `SnapshotId`, `Encrypted`, `VolumeType` and `Tags`, and need an explicit `Size`
 *   (so the test passes `EvidenceVolumeSizeGiB`);
 * - VPC endpoints get no tags; subnet/route table associations are not visible in DescribeRouteTables;
 * - DeleteStack removes the stack but neither its VPC endpoints nor its volumes, so deleting the VPC
 *   fails (DependencyViolation) and the call reports that error: the test removes the leftovers itself;
 * - a raw AMI id passed to the SSM-typed `AmiId` parameter makes CreateStack fail with an HTTP 500 (in
 *   AWS it fails too: the parameter takes the NAME of an SSM parameter), so the test never does that;
 * - the short form `!Condition X` is read as `Fn::Condition` and evaluates to false, so the template
 *   uses the long form `Condition: X` inside `Fn::And`.
 */
import { readFileSync } from "node:fs";
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type Output,
  type Parameter,
  type Stack,
} from "@aws-sdk/client-cloudformation";
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteNetworkInterfaceCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSnapshotCommand,
  DeleteSubnetCommand,
  DeleteVolumeCommand,
  DeleteVpcCommand,
  DeleteVpcEndpointsCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Instance,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../cli/local/emulator.ts";
import { WAIT_MS } from "../support/findings.ts";

const REGION = "us-east-1";
const INCIDENT_ID = "ir-20250131-0a1b2c3d";
const TEMPLATE = readFileSync(new URL("../../infra/cleanroom.yaml", import.meta.url), "utf8");
const AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/**
 * The emulator for this file: the integration project's (AWS_ENDPOINT_URL) when there is one,
 * otherwise a moto started here and stopped in afterAll.
 */
async function useEmulator(): Promise<Emulator> {
  return startEmulator();
}

let emulator: Emulator;
let cfn: CloudFormationClient;
let ec2: EC2Client;
let sourceVolumeId: string;
let snapshotIds: string[] = [];
let s3PrefixListId: string;

function parameters(snapshots: string[]): Parameter[] {
  const values: Record<string, string> = {
    IncidentId: INCIDENT_ID,
    CreatedBy: "arn:aws:sts::123456789012:assumed-role/incident-responder-cleanroom/test",
    ExpiresAt: "2025-02-01T12:00:00Z",
    EvidenceSnapshotIds: snapshots.join(","),
    // moto needs an explicit size; in AWS the default 0 means "the snapshot's size".
    EvidenceVolumeSizeGiB: "8",
    EvidenceBucket: "incident-responder-evidence-123456789012",
    KmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    S3PrefixListId: s3PrefixListId,
    // The NAME of an SSM parameter holding the AMI id, as the parameter type requires.
    AmiId: AMI_PARAMETER,
  };
  return Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

/** Waits until the stack leaves its *_IN_PROGRESS state (moto finishes at once; AWS does not). */
async function settledStack(stackName: string): Promise<Stack> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks?.[0];
    if (!stack) throw new Error(`stack ${stackName} not found`);
    if (!stack.StackStatus?.endsWith("_IN_PROGRESS")) return stack;
    if (Date.now() > deadline)
      throw new Error(`stack ${stackName} still ${stack.StackStatus} after ${WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Resources of a stack that did not reach CREATE_COMPLETE, for a readable failure. */
async function unfinishedResources(stackName: string): Promise<string[]> {
  const { StackResourceSummaries } = await cfn.send(new ListStackResourcesCommand({ StackName: stackName }));
  return (StackResourceSummaries ?? [])
    .filter((r) => r.ResourceStatus !== "CREATE_COMPLETE")
    .map(
      (r) =>
        `${r.LogicalResourceId} (${r.ResourceType}): ${r.ResourceStatus} ${r.ResourceStatusReason ?? ""}`,
    );
}

async function createCleanRoom(stackName: string, snapshots: string[]): Promise<Record<string, string>> {
  try {
    await cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: TEMPLATE,
        Parameters: parameters(snapshots),
        Capabilities: ["CAPABILITY_IAM"],
        Tags: [{ Key: "incident-responder:incident-id", Value: INCIDENT_ID }],
      }),
    );
    const stack = await settledStack(stackName);
    if (stack.StackStatus !== "CREATE_COMPLETE") {
      throw new Error(
        `${stackName}: ${stack.StackStatus} ${stack.StackStatusReason ?? ""}; ${(await unfinishedResources(stackName)).join("; ")}`,
      );
    }
    return outputsOf(stack.Outputs);
  } catch (err) {
    await discardFailedStack(stackName);
    throw err;
  }
}

/**
 * After a failed CreateStack, moto keeps the stack CREATE_IN_PROGRESS and DescribeStacks without a
 * name answers HTTP 500 until it is deleted: delete it and what it had built, so that the files
 * after this one find a working emulator.
 */
async function discardFailedStack(stackName: string): Promise<void> {
  await deleteCleanRoom(stackName);
  const byStack = [{ Name: "tag:aws:cloudformation:stack-name", Values: [stackName] }];
  const { Volumes } = await ec2.send(new DescribeVolumesCommand({ Filters: byStack }));
  const volumeIds = (Volumes ?? []).map((v) => v.VolumeId ?? "");
  const { Vpcs } = await ec2.send(new DescribeVpcsCommand({ Filters: byStack }));
  for (const vpc of Vpcs ?? []) await removeLeftovers(vpc.VpcId ?? "", volumeIds);
}

function outputsOf(outputs: Output[] | undefined): Record<string, string> {
  return Object.fromEntries((outputs ?? []).map((o) => [o.OutputKey ?? "", o.OutputValue ?? ""]));
}

async function describeInstance(instanceId: string): Promise<Instance> {
  const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const instance = Reservations?.[0]?.Instances?.[0];
  if (!instance) throw new Error(`instance ${instanceId} not found`);
  return instance;
}

/**
 * Deletes the stack. moto removes the stack record but leaves the VPC endpoints and volumes, so
 * its VPC cannot be deleted and DeleteStack reports DependencyViolation: that one error is the
 * emulator's, anything else fails the test.
 */
async function deleteCleanRoom(stackName: string): Promise<void> {
  try {
    await cfn.send(new DeleteStackCommand({ StackName: stackName }));
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name !== "DependencyViolation") throw err;
  }
}

/** Removes what moto leaves behind after DeleteStack (see the file comment), so other files start clean. */
async function removeLeftovers(vpcId: string, volumeIds: string[]): Promise<void> {
  const inVpc = [{ Name: "vpc-id", Values: [vpcId] }];
  const endpoints = await ec2.send(new DescribeVpcEndpointsCommand({ Filters: inVpc }));
  const endpointIds = (endpoints.VpcEndpoints ?? []).map((e) => e.VpcEndpointId ?? "");
  if (endpointIds.length) await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: endpointIds }));
  for (const VolumeId of volumeIds) {
    const { Volumes } = await ec2.send(
      new DescribeVolumesCommand({ Filters: [{ Name: "volume-id", Values: [VolumeId] }] }),
    );
    if (Volumes?.length) await ec2.send(new DeleteVolumeCommand({ VolumeId }));
  }
  const enis = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: inVpc }));
  for (const eni of enis.NetworkInterfaces ?? []) {
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId }));
  }
  const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }));
  if (!vpcs.Vpcs?.length) return;
  const groups = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: inVpc }));
  for (const g of groups.SecurityGroups ?? []) {
    if (g.GroupName !== "default") await ec2.send(new DeleteSecurityGroupCommand({ GroupId: g.GroupId }));
  }
  const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: inVpc }));
  for (const s of subnets.Subnets ?? []) await ec2.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId }));
  const tables = await ec2.send(new DescribeRouteTablesCommand({ Filters: inVpc }));
  for (const t of tables.RouteTables ?? []) {
    if (!t.Associations?.some((a) => a.Main)) {
      await ec2.send(new DeleteRouteTableCommand({ RouteTableId: t.RouteTableId }));
    }
  }
  await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
}

/** Creates a clean room, runs `check` on its outputs, then deletes it and its moto leftovers. */
async function withCleanRoom(
  stackName: string,
  snapshots: string[],
  check: (outputs: Record<string, string>) => Promise<void>,
): Promise<void> {
  const outputs = await createCleanRoom(stackName, snapshots);
  try {
    await check(outputs);
  } finally {
    await deleteCleanRoom(stackName);
    await removeLeftovers(outputs.VpcId ?? "", (outputs.EvidenceVolumeIds ?? "").split(",").filter(Boolean));
  }
}

beforeAll(async () => {
  emulator = await useEmulator();
  const clientConfig = {
    region: REGION,
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  };
  cfn = new CloudFormationClient(clientConfig);
  ec2 = new EC2Client(clientConfig);

  const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 8 }));
  sourceVolumeId = volume.VolumeId ?? "";
  for (let i = 0; i < 4; i++) {
    const snap = await ec2.send(
      new CreateSnapshotCommand({
        VolumeId: sourceVolumeId,
        Description: `clean room test evidence ${i + 1}`,
      }),
    );
    snapshotIds.push(snap.SnapshotId ?? "");
  }
  const lists = await ec2.send(
    new DescribeManagedPrefixListsCommand({
      Filters: [{ Name: "prefix-list-name", Values: [`com.amazonaws.${REGION}.s3`] }],
    }),
  );
  s3PrefixListId = lists.PrefixLists?.[0]?.PrefixListId ?? "";
});

afterAll(async () => {
  if (ec2) {
    for (const SnapshotId of snapshotIds) await ec2.send(new DeleteSnapshotCommand({ SnapshotId }));
    if (sourceVolumeId) await ec2.send(new DeleteVolumeCommand({ VolumeId: sourceVolumeId }));
  }
  snapshotIds = [];
  cfn?.destroy();
  ec2?.destroy();
  await emulator?.stop();
});

describe("clean room stack in the emulator", () => {
  const stackName = `incident-responder-cleanroom-${INCIDENT_ID}`;
  let outputs: Record<string, string>;

  beforeAll(async () => {
    expect(s3PrefixListId).toMatch(/^pl-/);
    outputs = await createCleanRoom(stackName, snapshotIds.slice(0, 2));
  });

  afterAll(async () => {
    if (outputs) {
      await deleteCleanRoom(stackName);
      await removeLeftovers(
        outputs.VpcId ?? "",
        (outputs.EvidenceVolumeIds ?? "").split(",").filter(Boolean),
      );
    }
  });

  it("reaches CREATE_COMPLETE with every output", () => {
    expect(Object.keys(outputs).sort()).toEqual(
      [
        "EvidenceVolumeIds",
        "NotesPrefix",
        "SecurityGroupId",
        "SessionManagerCommand",
        "VpcId",
        "WorkstationInstanceId",
      ].sort(),
    );
    expect(outputs.WorkstationInstanceId).toMatch(/^i-[0-9a-f]+$/);
    expect(outputs.VpcId).toMatch(/^vpc-/);
    expect(outputs.SecurityGroupId).toMatch(/^sg-/);
    expect(outputs.SessionManagerCommand).toBe(
      `aws ssm start-session --target ${outputs.WorkstationInstanceId} --region ${REGION}`,
    );
    expect(outputs.NotesPrefix).toBe(
      `s3://incident-responder-evidence-123456789012/incidents/${INCIDENT_ID}/notes/`,
    );
  });

  it("builds a VPC with two private subnets and no internet or NAT gateway", async () => {
    const inVpc = [{ Name: "vpc-id", Values: [outputs.VpcId ?? ""] }];

    const vpc = await ec2.send(new DescribeVpcsCommand({ VpcIds: [outputs.VpcId ?? ""] }));
    const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: inVpc }));
    const igws = await ec2.send(
      new DescribeInternetGatewaysCommand({
        Filters: [{ Name: "attachment.vpc-id", Values: [outputs.VpcId ?? ""] }],
      }),
    );
    const nats = await ec2.send(new DescribeNatGatewaysCommand({ Filter: inVpc }));

    expect(vpc.Vpcs?.[0]?.CidrBlock).toBe("10.99.0.0/16");
    expect((subnets.Subnets ?? []).map((s) => [s.CidrBlock, s.MapPublicIpOnLaunch]).sort()).toEqual([
      ["10.99.0.0/24", false],
      ["10.99.1.0/24", false],
    ]);
    expect(new Set((subnets.Subnets ?? []).map((s) => s.AvailabilityZone)).size).toBe(2);
    expect(igws.InternetGateways).toEqual([]);
    expect(nats.NatGateways ?? []).toEqual([]);
  });

  it("routes nothing but the VPC itself and S3 through its gateway endpoint", async () => {
    const tables = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [outputs.VpcId ?? ""] }] }),
    );

    const routes = (tables.RouteTables ?? []).flatMap((t) => t.Routes ?? []);

    for (const route of routes) {
      const local = route.GatewayId === "local";
      const s3 = route.DestinationPrefixListId === s3PrefixListId && route.GatewayId?.startsWith("vpce-");
      expect(local || s3, JSON.stringify(route)).toBe(true);
    }
    expect(routes.some((r) => r.DestinationPrefixListId === s3PrefixListId)).toBe(true);
  });

  it("has an S3 gateway endpoint and Session Manager interface endpoints with private DNS", async () => {
    const { VpcEndpoints } = await ec2.send(
      new DescribeVpcEndpointsCommand({ Filters: [{ Name: "vpc-id", Values: [outputs.VpcId ?? ""] }] }),
    );

    const byService = new Map((VpcEndpoints ?? []).map((e) => [e.ServiceName ?? "", e]));

    expect([...byService.keys()].sort()).toEqual(
      ["s3", "ssm", "ssmmessages", "ec2messages"].map((s) => `com.amazonaws.${REGION}.${s}`).sort(),
    );
    expect(byService.get(`com.amazonaws.${REGION}.s3`)?.VpcEndpointType).toBe("Gateway");
    expect(byService.get(`com.amazonaws.${REGION}.s3`)?.PolicyDocument).toContain(
      `incidents/${INCIDENT_ID}/`,
    );
    for (const service of ["ssm", "ssmmessages", "ec2messages"]) {
      const endpoint = byService.get(`com.amazonaws.${REGION}.${service}`);
      expect(endpoint?.VpcEndpointType, service).toBe("Interface");
      expect(endpoint?.PrivateDnsEnabled, service).toBe(true);
      expect(endpoint?.SubnetIds, service).toHaveLength(2);
      expect(
        endpoint?.Groups?.map((g) => g.GroupId),
        service,
      ).toHaveLength(1);
    }
  });

  it("gives the workstation group no inbound rule, and the endpoint group only 443 from it", async () => {
    const { SecurityGroups } = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [outputs.VpcId ?? ""] }] }),
    );
    const workstation = SecurityGroups?.find((g) => g.GroupId === outputs.SecurityGroupId);
    const endpointGroup = SecurityGroups?.find(
      (g) => g.GroupId !== outputs.SecurityGroupId && g.GroupName !== "default",
    );

    expect(workstation?.IpPermissions).toEqual([]);
    expect(endpointGroup?.IpPermissions).toEqual([
      expect.objectContaining({
        IpProtocol: "tcp",
        FromPort: 443,
        ToPort: 443,
        IpRanges: [],
        UserIdGroupPairs: [expect.objectContaining({ GroupId: outputs.SecurityGroupId })],
      }),
    ]);
    // Egress rules are not checked here: moto ignores inline SecurityGroupEgress (see above).
  });

  it("launches the workstation in the private subnet, without public IP, with its profile and tags", async () => {
    const instance = await describeInstance(outputs.WorkstationInstanceId ?? "");
    const tags = Object.fromEntries((instance.Tags ?? []).map((t) => [t.Key, t.Value]));
    const subnets = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [outputs.VpcId ?? ""] }] }),
    );
    const subnetA = subnets.Subnets?.find((s) => s.CidrBlock === "10.99.0.0/24");

    expect(instance.SubnetId).toBe(subnetA?.SubnetId);
    expect(instance.PublicIpAddress).toBeUndefined();
    expect(instance.InstanceType).toBe("m5.large");
    expect(instance.ImageId).toMatch(/^ami-/);
    expect(instance.IamInstanceProfile?.Arn).toMatch(/:instance-profile\//);
    expect(tags).toMatchObject({
      "incident-responder:incident-id": INCIDENT_ID,
      "incident-responder:created-by":
        "arn:aws:sts::123456789012:assumed-role/incident-responder-cleanroom/test",
      "incident-responder:expires-at": "2025-02-01T12:00:00Z",
      "incident-responder:managed": "true",
    });
  });

  it("attaches one evidence volume per snapshot at /dev/sdf and /dev/sdg, in the workstation's zone", async () => {
    const volumeIds = (outputs.EvidenceVolumeIds ?? "").split(",");
    const instance = await describeInstance(outputs.WorkstationInstanceId ?? "");

    const { Volumes } = await ec2.send(new DescribeVolumesCommand({ VolumeIds: volumeIds }));

    expect(volumeIds).toHaveLength(2);
    expect(
      volumeIds.map((id) => {
        const v = Volumes?.find((x) => x.VolumeId === id);
        return [v?.AvailabilityZone, v?.Attachments?.[0]?.InstanceId, v?.Attachments?.[0]?.Device];
      }),
    ).toEqual([
      [instance.Placement?.AvailabilityZone, outputs.WorkstationInstanceId, "/dev/sdf"],
      [instance.Placement?.AvailabilityZone, outputs.WorkstationInstanceId, "/dev/sdg"],
    ]);
  });
});

describe("clean room stacks for other numbers of snapshots", () => {
  it.each([1, 3, 4])("creates and attaches %i evidence volume(s)", async (count) => {
    await withCleanRoom(
      `incident-responder-cleanroom-${count}-snapshots`,
      snapshotIds.slice(0, count),
      async (out) => {
        const volumeIds = (out.EvidenceVolumeIds ?? "").split(",");
        const { Volumes } = await ec2.send(new DescribeVolumesCommand({ VolumeIds: volumeIds }));

        expect(volumeIds).toHaveLength(count);
        expect(
          volumeIds.map((id) => Volumes?.find((v) => v.VolumeId === id)?.Attachments?.[0]?.Device),
        ).toEqual(["/dev/sdf", "/dev/sdg", "/dev/sdh", "/dev/sdi"].slice(0, count));
      },
    );
  });
});

describe("clean room teardown", () => {
  it("deletes the stack and terminates the workstation", async () => {
    const stackName = "incident-responder-cleanroom-teardown";
    const out = await createCleanRoom(stackName, snapshotIds.slice(0, 1));

    await deleteCleanRoom(stackName);

    await expect(cfn.send(new DescribeStacksCommand({ StackName: stackName }))).rejects.toThrow(
      /does not exist/,
    );
    const instance = await describeInstance(out.WorkstationInstanceId ?? "");
    expect(instance.State?.Name).toBe("terminated");
    await removeLeftovers(out.VpcId ?? "", (out.EvidenceVolumeIds ?? "").split(","));
  });
});
