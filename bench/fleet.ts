/**
 * A fleet of instances for the benchmark, in the emulator: several VPCs, each instance shaped
 * like the demo's payments web server (two network interfaces, three volumes, an Elastic IP,
 * an instance profile, production tags), and real-format GuardDuty findings aimed at them.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { IAMClient } from "@aws-sdk/client-iam";
import { buildAccount, type InstanceSpec, type VpcSpec } from "../cli/local/account-builder.ts";

export interface FleetInstance {
  instanceId: string;
  vpcId: string;
  /** Network interfaces and volumes the instance has. */
  interfaces: number;
  volumes: number;
}

export interface Fleet {
  vpcIds: string[];
  instances: FleetInstance[];
}

/**
 * Creates `count` instances spread over `vpcs` VPCs (each VPC with two subnets and an
 * application group open to the world on 22 and 443), all with one shared instance profile.
 */
export async function seedFleet(
  ec2: EC2Client,
  iam: IAMClient,
  opts: { name: string; count: number; vpcs: number; cidrBase: number },
): Promise<Fleet> {
  const profile = `${opts.name}-profile`;
  const vpcs: VpcSpec[] = Array.from({ length: opts.vpcs }, (_, v) => {
    const second = opts.cidrBase + v;
    return {
      key: String(v),
      cidr: `10.${second}.0.0/16`,
      tags: { Name: `${opts.name}-${v}` },
      subnets: ["a", "b"].map((az, i) => ({
        key: az,
        cidr: `10.${second}.${i + 1}.0/24`,
        az: `us-east-1${az}`,
      })),
      groups: [
        {
          key: "app",
          name: `${opts.name}-app`,
          description: "app tier",
          ingress: [443, 22].map((port) => ({
            IpProtocol: "tcp",
            FromPort: port,
            ToPort: port,
            IpRanges: [{ CidrIp: "0.0.0.0/0" }],
          })),
        },
      ],
    };
  });
  // Each instance like the demo's payments web server, in one VPC after another.
  const instances: InstanceSpec[] = Array.from({ length: opts.count }, (_, i) => ({
    key: String(i),
    vpc: String(i % opts.vpcs),
    subnet: "a",
    groups: ["app"],
    interfaces: [{ subnet: "b", groups: ["app"] }],
    volumes: [
      { device: "/dev/xvda", size: 8 },
      { device: "/dev/sdf", size: 20 },
      { device: "/dev/sdg", size: 10 },
    ],
    profile,
    elasticIp: true,
    tags: {
      Name: `${opts.name}-web-${i}`,
      Environment: "prod",
      DataClassification: "restricted",
      Criticality: "high",
      Owner: "payments-team@example.com",
    },
  }));
  // Several at a time (the emulator serialises much of it anyway).
  const built = await buildAccount(
    { ec2, iam },
    { vpcs, profiles: [{ name: profile }], instances, concurrency: 4 },
  );
  const fleet = instances.map((spec) => {
    const b = built.instances[spec.key];
    return {
      instanceId: b?.instanceId ?? "",
      vpcId: built.vpcs[spec.vpc ?? ""]?.vpcId ?? "",
      interfaces: b?.interfaces ?? 0,
      volumes: b?.volumes ?? 0,
    };
  });
  fleet.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  return { vpcIds: vpcs.map((v) => built.vpcs[v.key]?.vpcId ?? ""), instances: fleet };
}

const c2 = JSON.parse(
  readFileSync(new URL("../drills/events/guardduty-c2.json", import.meta.url), "utf8"),
) as Record<string, unknown>;

/**
 * A real-format GuardDuty `Backdoor:EC2/C&CActivity.B!DNS` finding (not a sample: no drill
 * wrapper needed) on an instance, with its own finding id.
 */
export function guardDutyFinding(
  instanceId: string,
  account: string,
  region: string,
  findingId = randomBytes(16).toString("hex"),
): Record<string, unknown> {
  const e = structuredClone(c2) as { detail: Record<string, unknown> } & Record<string, unknown>;
  const now = new Date().toISOString();
  const d = e.detail as {
    id: string;
    arn: string;
    accountId: string;
    region: string;
    createdAt: string;
    updatedAt: string;
    severity: number;
    title: string;
    description: string;
    service: { additionalInfo?: Record<string, unknown>; detectorId?: string };
    resource: { instanceDetails: { instanceId: string } };
  };
  d.id = findingId;
  d.arn = `arn:aws:guardduty:${region}:${account}:detector/${d.service.detectorId ?? "d"}/finding/${findingId}`;
  d.accountId = account;
  d.region = region;
  d.createdAt = now;
  d.updatedAt = now;
  d.severity = 8;
  d.service.additionalInfo = {};
  d.resource.instanceDetails.instanceId = instanceId;
  d.title = d.title.replaceAll("i-99999999", instanceId);
  d.description = d.description.replaceAll("i-99999999", instanceId);
  return { ...e, id: randomUUID(), account, region, time: now };
}
