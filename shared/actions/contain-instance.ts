/**
 * `contain-instance`: isolates every network interface (untracking group, then an empty
 * group), swaps in a deny-all instance profile, takes the instance out of Auto Scaling and
 * load balancers, protects its evidence (termination protection, shutdown behaviour `stop`,
 * `DeleteOnTermination=false`) and tags it. Reversible (`responder release`). Run by the
 * contain lane (shared/workflow/contain.ts).
 */
import * as z from "zod";
import type { ResourceContext } from "../domain/types.ts";
import { CONTAIN_STEP } from "./steps.ts";
import { defineAction } from "./types.ts";

/** Its parameters. */
export const ContainInstanceParamsSchema = z.strictObject({
  /** Stop the instance after isolating it (loses memory evidence). */
  stopInstance: z.boolean().default(false),
  /** How to take the instance out of its Auto Scaling group. */
  asgMode: z.enum(["standby", "detach"]).default("standby"),
  /** Also enable stop protection (DisableApiStop). */
  stopProtection: z.boolean().default(false),
});
export type ContainInstanceParams = z.infer<typeof ContainInstanceParamsSchema>;

export const containInstance = defineAction({
  name: "contain-instance",
  summary: "isolate the instance: every interface, its identity, Auto Scaling and load balancers",
  params: ContainInstanceParamsSchema,
  lane: "contain",
  steps: [CONTAIN_STEP],
  reopenOnGrowth: [CONTAIN_STEP],
  permissions: { contain: ["containment", "connectionTracking"] },
  describe: ({ params, instances }) => instances.flatMap((ctx) => containCalls(ctx, params)),
});

function containCalls(ctx: ResourceContext, params: ContainInstanceParams): string[] {
  const id = ctx.resource.id;
  const enis = ctx.networkInterfaceIds?.length ? ctx.networkInterfaceIds : undefined;
  const vpc = ctx.vpcId ?? "the instance's VPC";
  const calls = [
    `ec2:DescribeInstances ${id} (record the pre-isolation state)`,
    `ec2:ModifyInstanceAttribute ${id} (DisableApiTermination=true)`,
    `ec2:ModifyInstanceAttribute ${id} (InstanceInitiatedShutdownBehavior=stop)`,
    ctx.volumeIds?.length
      ? `ec2:ModifyInstanceAttribute ${id} (BlockDeviceMappings DeleteOnTermination=false: ${ctx.volumeIds.join(", ")})`
      : `ec2:ModifyInstanceAttribute ${id} (BlockDeviceMappings DeleteOnTermination=false: every attached volume)`,
  ];
  if (params.stopProtection) calls.push(`ec2:ModifyInstanceAttribute ${id} (DisableApiStop=true)`);
  calls.push(
    `ec2:CreateSecurityGroup untracking group in ${vpc} + ec2:AuthorizeSecurityGroupIngress (all traffic)`,
    `ec2:CreateSecurityGroup isolation group in ${vpc} + ec2:RevokeSecurityGroupEgress (no rules left)`,
  );
  for (const step of ["untracking group", "isolation group"]) {
    if (enis) for (const eni of enis) calls.push(`ec2:ModifyNetworkInterfaceAttribute ${eni} → ${step}`);
    else calls.push(`ec2:ModifyNetworkInterfaceAttribute (every network interface of ${id}) → ${step}`);
  }
  if (enis)
    for (const eni of enis)
      calls.push(
        `ec2:ModifyNetworkInterfaceAttribute ${eni} (ConnectionTrackingSpecification TcpEstablishedTimeout=60 UdpStreamTimeout=60 UdpTimeout=30; previous values recorded)`,
      );
  else
    calls.push(
      `ec2:ModifyNetworkInterfaceAttribute (every network interface of ${id}) (ConnectionTrackingSpecification: minimum timeouts; previous values recorded)`,
    );
  if (ctx.exposure.publicIps.length > 0) {
    calls.push(
      `ec2:DescribeAddresses + ec2:DisassociateAddress (Elastic IPs among ${ctx.exposure.publicIps.join(", ")})`,
    );
  }
  if (ctx.exposure.instanceProfileArn) {
    calls.push(
      `ec2:ReplaceIamInstanceProfileAssociation ${id} → the responder's deny-all isolation profile (was ${ctx.exposure.instanceProfileArn}; no role or profile is edited)`,
    );
  }
  if (ctx.autoScalingGroup) {
    calls.push(
      params.asgMode === "detach"
        ? `autoscaling:DetachInstances ${id} from ${ctx.autoScalingGroup}`
        : `autoscaling:EnterStandby ${id} in ${ctx.autoScalingGroup}`,
    );
  }
  calls.push(
    `elasticloadbalancing:DescribeTargetGroups + DescribeTargetHealth + DeregisterTargets ${id} (every target group that lists it)`,
    `ec2:CreateTags ${id} (incident id, containment marker)`,
  );
  if (params.stopInstance) calls.push(`ec2:StopInstances ${id}`);
  calls.push(
    enis
      ? `ec2:DescribeNetworkInterfaces ${enis.join(", ")} (verify isolation)`
      : `ec2:DescribeNetworkInterfaces (interfaces of ${id}: verify isolation)`,
  );
  return calls;
}
