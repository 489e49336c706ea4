/**
 * A full incident on the local responder, for the IAM simulation (iam-calls.test.ts): every
 * function runs, every AWS call it makes is recorded with its function (scope) and the session
 * it was made with. The web instance of the demo account sits in an Auto Scaling group and a
 * target group, so that containment takes it out of both; a GuardDuty C&C drill on it opens a
 * critical incident (containment, snapshots, artifacts, the sealed manifest, a clean room), the
 * clean room is then destroyed on request, triage's schedule runs, and an alarm published to the
 * intake topic opens a second incident through the intake function.
 *
 * Which member role a call would use is recorded too: the sessions the functions ask for are
 * labelled by purpose (`read` or `act`, AccountSessions.optionsFor) with an access key of their
 * own, which the call recorder reads back from each signed call. The emulator maps any key it
 * did not issue to its default account, so the calls still land in the demo account.
 */
import {
  AttachInstancesCommand,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from "@aws-sdk/client-auto-scaling";
import { ListStacksCommand } from "@aws-sdk/client-cloudformation";
import {
  CreateLaunchTemplateCommand,
  DescribeAddressesCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type Tag,
} from "@aws-sdk/client-ec2";
import {
  CreateTargetGroupCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { ListInstanceProfilesCommand } from "@aws-sdk/client-iam";
import { PublishCommand } from "@aws-sdk/client-sns";
import { vi } from "vitest";
import { requestCleanroom } from "../../cli/commands/cleanroom.ts";
import { waitForIncidentOf, waitForSettled } from "../../cli/drill/watch.ts";
import type { CallRecord } from "../../cli/local/instrument.ts";
import {
  autoScalingClient,
  cfnClient,
  elbv2Client,
  eventsClient,
  iamClient,
  snsClient,
} from "../../shared/aws/clients.ts";
import { EventBridgePublisher } from "../../shared/events/bus.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { type AccountPurpose, AccountSessions } from "../../shared/runtime/accounts.ts";
import { shown, WAIT_MS } from "../support/findings.ts";
import type { AccountState } from "../support/iam/calls.ts";
import { drillEvent, type FaultWorld, runToSettled, startFaultWorld } from "./faults-harness.ts";

/** The access keys that label the sessions of each purpose. */
export const PURPOSE_KEYS: Readonly<Record<AccountPurpose, string>> = {
  read: "AKIAMEMBERREADROLE00",
  act: "AKIAMEMBERACTROLE000",
};

/** What the run leaves for the simulation. */
export interface IamIncident {
  world: FaultWorld;
  /** The calls the functions made (scoped), in order. */
  calls: CallRecord[];
  incident: IncidentRecord;
  intakeIncident: IncidentRecord | undefined;
  /** The account before and after the incident, merged (tags, associations, volumes…). */
  state: AccountState;
  autoScalingGroup: string;
  targetGroupArn: string;
  stop(): Promise<void>;
}

/** Runs the incident and returns what it recorded. */
export async function runIamIncident(): Promise<IamIncident> {
  // Two attempts per call: the emulator sometimes answers a concurrent write with a 500.
  const world = await startFaultWorld({ maxAttempts: 2 });
  const original = AccountSessions.prototype.optionsFor;
  const spy = vi.spyOn(AccountSessions.prototype, "optionsFor").mockImplementation(async function (
    this: AccountSessions,
    account,
    incidentId,
    purpose,
  ) {
    const options = await original.call(this, account, incidentId, purpose);
    return { ...options, credentials: { accessKeyId: PURPOSE_KEYS[purpose], secretAccessKey: "local" } };
  });
  try {
    const aws = world.session.aws;
    const web = world.demo.instances.web.instanceId;
    const autoScalingGroup = "iam-web";
    const targetGroupArn = await inGroups(world, web, autoScalingGroup);
    const before = await observeAccount(world);

    const drill = drillEvent(world, "c2", "web");
    const { incidentId, incident: opened, settled } = await runToSettled(world, drill);
    if (!settled) throw new Error(`the incident did not settle: ${JSON.stringify(opened.steps)}`);
    // The clean room is destroyed on request, as `responder cleanroom destroy` asks for it.
    const bus = new EventBridgePublisher(eventsClient(aws), world.session.local.resources.eventBusName);
    const destroyed = await requestCleanroom({ store: world.store, bus }, "destroy", incidentId, {
      by: "local:iam-calls-test",
      timeoutMs: WAIT_MS,
    });
    if (!destroyed.ended)
      throw new Error(`the clean-room destroy request did not end within ${WAIT_MS} ms: ${shown(destroyed)}`);
    // The schedules: triage re-drives stalled lanes, cleanroom sweeps expired clean rooms.
    await world.session.runner.runScheduled("triage");
    await world.session.runner.runScheduled("cleanroom");
    const intakeIncident = await throughIntake(world);
    await world.session.runner.settled(WAIT_MS);
    const incident = await world.store.get(incidentId);
    const state = merge(before, await observeAccount(world));
    return {
      world,
      calls: world.calls.filter((c) => c.scope !== undefined),
      incident,
      intakeIncident,
      state,
      autoScalingGroup,
      targetGroupArn,
      stop: async () => {
        spy.mockRestore();
        await world.stop();
      },
    };
  } catch (err) {
    spy.mockRestore();
    await world.stop();
    throw err;
  }
}

/** Puts the instance in an Auto Scaling group and a target group; returns the target group's ARN. */
async function inGroups(world: FaultWorld, instanceId: string, groupName: string): Promise<string> {
  const aws = world.session.aws;
  const image = await world.ec2.send(new DescribeImagesCommand({}));
  await world.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: groupName,
      LaunchTemplateData: { ImageId: image.Images?.[0]?.ImageId ?? "", InstanceType: "t3.micro" },
    }),
  );
  const asg = autoScalingClient(aws);
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: groupName,
      MinSize: 0,
      MaxSize: 2,
      DesiredCapacity: 0,
      LaunchTemplate: { LaunchTemplateName: groupName, Version: "$Latest" },
      VPCZoneIdentifier: world.demo.subnetIds[0],
    }),
  );
  await asg.send(new AttachInstancesCommand({ AutoScalingGroupName: groupName, InstanceIds: [instanceId] }));
  const elbv2 = elbv2Client(aws);
  const tg = await elbv2.send(
    new CreateTargetGroupCommand({
      Name: groupName,
      Protocol: "HTTP",
      Port: 80,
      VpcId: world.demo.vpcId,
      TargetType: "instance",
    }),
  );
  const arn = tg.TargetGroups?.[0]?.TargetGroupArn ?? "";
  await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
  return arn;
}

/** A CloudWatch alarm on the batch instance, published to the intake topic; its incident, settled. */
async function throughIntake(world: FaultWorld): Promise<IncidentRecord> {
  const aws = world.session.aws;
  const account = world.account;
  const topicArn = world.session.local.provisioned.outputs.IntakeTopicArn as string;
  const alarm = "iam-batch-cpu-high";
  await snsClient(aws).send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: `ALARM: ${alarm}`,
      Message: JSON.stringify({
        AlarmName: alarm,
        AlarmDescription: "CPU above 90% for 5 minutes",
        AWSAccountId: account,
        NewStateValue: "ALARM",
        NewStateReason: "Threshold Crossed: 1 datapoint [97.5] was greater than the threshold (90.0).",
        StateChangeTime: new Date().toISOString().replace("Z", "+0000"),
        Region: "US East (N. Virginia)",
        AlarmArn: `arn:aws:cloudwatch:${aws.region}:${account}:alarm:${alarm}`,
        OldStateValue: "OK",
        Trigger: {
          MetricName: "CPUUtilization",
          Namespace: "AWS/EC2",
          Statistic: "AVERAGE",
          Dimensions: [{ value: world.demo.instances.batch.instanceId, name: "InstanceId" }],
          Period: 300,
          EvaluationPeriods: 1,
          ComparisonOperator: "GreaterThanThreshold",
          Threshold: 90.0,
        },
      }),
    }),
  );
  const found = await waitForIncidentOf(
    async () => (await world.store.listOpen()).find((i) => i.finding.source === "alarm")?.incidentId,
    WAIT_MS,
  );
  if (!found) throw new Error(`no incident for the alarm published to the intake topic within ${WAIT_MS} ms`);
  const { incident, settled } = await waitForSettled(world.store, found, { timeoutMs: WAIT_MS });
  if (!settled) throw new Error(`the alarm's incident has not settled: ${shown(incident.steps)}`);
  return incident;
}

const tagsOf = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [String(t.Key), t.Value ?? ""]));

/** What the call model needs to know of the account, read from the emulator. */
export async function observeAccount(world: FaultWorld): Promise<AccountState> {
  const aws = world.session.aws;
  const ec2 = world.ec2;
  const state: AccountState = {
    tags: {},
    volumes: {},
    associations: {},
    groups: {},
    autoScalingGroups: {},
    profileRoles: {},
    stacks: {},
  };
  for (const r of (await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []) {
    for (const i of r.Instances ?? []) {
      const id = i.InstanceId ?? "";
      state.tags[id] = tagsOf(i.Tags);
      state.volumes[id] = (i.BlockDeviceMappings ?? []).map((b) => ({
        device: b.DeviceName ?? "",
        volumeId: b.Ebs?.VolumeId ?? "",
      }));
    }
  }
  for (const v of (await ec2.send(new DescribeVolumesCommand({}))).Volumes ?? [])
    state.tags[v.VolumeId ?? ""] = tagsOf(v.Tags);
  for (const n of (await ec2.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces ?? [])
    state.tags[n.NetworkInterfaceId ?? ""] = tagsOf(n.TagSet);
  for (const g of (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? []) {
    state.tags[g.GroupId ?? ""] = tagsOf(g.Tags);
    state.groups[`${g.VpcId}|${g.GroupName}`] = g.GroupId ?? "";
  }
  for (const s of (await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }))).Snapshots ?? [])
    state.tags[s.SnapshotId ?? ""] = tagsOf(s.Tags);
  for (const a of (await ec2.send(new DescribeAddressesCommand({}))).Addresses ?? []) {
    state.tags[a.AllocationId ?? ""] = tagsOf(a.Tags);
    if (a.AssociationId)
      state.associations[a.AssociationId] = {
        ...(a.AllocationId ? { allocationId: a.AllocationId } : {}),
        ...(a.NetworkInterfaceId ? { networkInterfaceId: a.NetworkInterfaceId } : {}),
        ...(a.InstanceId ? { instanceId: a.InstanceId } : {}),
      };
  }
  const profiles = await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({}));
  for (const a of profiles.IamInstanceProfileAssociations ?? [])
    if (a.AssociationId && a.InstanceId) state.associations[a.AssociationId] = { instanceId: a.InstanceId };
  const groups = await autoScalingClient(aws).send(new DescribeAutoScalingGroupsCommand({}));
  for (const g of groups.AutoScalingGroups ?? []) {
    const name = g.AutoScalingGroupName ?? "";
    state.autoScalingGroups[name] = g.AutoScalingGroupARN ?? "";
    state.tags[name] = Object.fromEntries((g.Tags ?? []).map((t) => [String(t.Key), t.Value ?? ""]));
  }
  const elbv2 = elbv2Client(aws);
  const tgs = (await elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  if (tgs.length) {
    const described = await elbv2.send(
      new DescribeTagsCommand({ ResourceArns: tgs.map((t) => t.TargetGroupArn ?? "") }),
    );
    for (const d of described.TagDescriptions ?? []) state.tags[d.ResourceArn ?? ""] = tagsOf(d.Tags);
  }
  for (const p of (await iamClient(aws).send(new ListInstanceProfilesCommand({}))).InstanceProfiles ?? [])
    state.profileRoles[p.Arn ?? ""] = (p.Roles ?? []).map((r) => `${(r.Path ?? "/").slice(1)}${r.RoleName}`);
  for (const s of (await cfnClient(aws).send(new ListStacksCommand({}))).StackSummaries ?? [])
    if (s.StackName && s.StackId) state.stacks[s.StackName] = s.StackId;
  return state;
}

/** Both observations: what the incident changed or removed (associations) is kept from before. */
function merge(before: AccountState, after: AccountState): AccountState {
  const out = structuredClone(before);
  for (const [k, v] of Object.entries(after.tags)) out.tags[k] = { ...(out.tags[k] ?? {}), ...v };
  Object.assign(out.volumes, after.volumes);
  Object.assign(out.associations, after.associations);
  Object.assign(out.groups, after.groups);
  Object.assign(out.autoScalingGroups, after.autoScalingGroups);
  Object.assign(out.profileRoles, after.profileRoles);
  Object.assign(out.stacks, after.stacks);
  return out;
}
