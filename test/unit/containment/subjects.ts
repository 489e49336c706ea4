/**
 * Described instances for the pure planners' tests (no SDK, no mock): an {@link InstanceSubject}
 * as round 1 would have read it, and the read-back verification judges.
 */
import type { PreIsolationState } from "../../../shared/containment/record-schema.ts";
import type {
  InstanceSubject,
  ManagedGroup,
  Readback,
  SubjectInterface,
} from "../../../shared/containment/subject.ts";
import type { Known } from "../../../shared/containment/tracker.ts";

export const ok = <T>(value: T): Known<T> => ({ ok: true, value });
export const failed = (error: string): { ok: false; error: string; unsupported: false } => ({
  ok: false,
  error,
  unsupported: false,
});
export const unsupported = (error: string): { ok: false; error: string; unsupported: true } => ({
  ok: false,
  error,
  unsupported: true,
});

export const APP_PROFILE = "arn:aws:iam::123456789012:instance-profile/app";
export const ISO_PROFILE = "arn:aws:iam::123456789012:instance-profile/isolation";

const ALL_BOTH_WAYS = {
  IpProtocol: "-1",
  IpRanges: [{ CidrIp: "0.0.0.0/0" }],
  Ipv6Ranges: [{ CidrIpv6: "::/0" }],
};

/** The responder's two groups of a VPC, with the rules their roles want. */
export function managedPair(vpcId = "vpc-1", untracking = "sg-u", isolation = "sg-i"): ManagedGroup[] {
  return [
    { groupId: untracking, vpcId, role: "untracking", ingress: [ALL_BOTH_WAYS], egress: [ALL_BOTH_WAYS] },
    { groupId: isolation, vpcId, role: "isolation", ingress: [], egress: [] },
  ];
}

export function eni(id: string, over: Partial<SubjectInterface> = {}): SubjectInterface {
  return {
    networkInterfaceId: id,
    vpcId: "vpc-1",
    groups: ["sg-app"],
    privateIps: [],
    publicIps: [],
    ...over,
  };
}

/**
 * A running instance in vpc-1 with one interface (eni-1 on sg-app), one volume, no profile, no
 * Elastic IP, no Auto Scaling group, no target group, every protection off, and the responder's
 * groups of vpc-1 in place.
 */
export function subject(over: Partial<InstanceSubject> = {}): InstanceSubject {
  return {
    instanceId: "i-1",
    instance: ok({ exists: true }),
    state: "running",
    vpcId: "vpc-1",
    interfaces: [eni("eni-1")],
    volumes: [{ deviceName: "/dev/xvda", volumeId: "vol-1", deleteOnTermination: false }],
    tags: {},
    protection: { disableApiTermination: false, disableApiStop: false, shutdownBehavior: "terminate" },
    profile: ok({}),
    addresses: ok([]),
    allAddresses: ok([]),
    autoScaling: ok({}),
    targetGroups: ok([]),
    groups: ok(managedPair()),
    ...over,
  };
}

/** A bare pre-isolation record of i-1: one interface (eni-1 on sg-app), nothing else to put back. */
export function record(over: Partial<PreIsolationState> = {}): PreIsolationState {
  return {
    instanceId: "i-1",
    capturedAt: "2025-01-01T00:00:00.000Z",
    interfaces: [{ networkInterfaceId: "eni-1", groups: ["sg-app"] }],
    elasticIps: [],
    targetGroups: [],
    protection: { disableApiTermination: false, shutdownBehavior: "terminate" },
    volumesDeleteOnTermination: [],
    state: "running",
    ...over,
  };
}

/** A read-back with nothing open: eni-1 on sg-i only, no rule, no address, out of any group. */
export function readback(over: Partial<Readback> = {}): Readback {
  return {
    interfaces: ok([{ networkInterfaceId: "eni-1", vpcId: "vpc-1", groups: ["sg-i"], publicIps: [] }]),
    isolationGroups: ok([{ groupId: "sg-i", ingress: [], egress: [] }]),
    profile: ok({ arn: ISO_PROFILE }),
    addresses: ok([]),
    autoScaling: ok({}),
    targets: [],
    ...over,
  };
}
