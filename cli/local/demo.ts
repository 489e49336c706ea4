/**
 * A small demo account for local drills: one VPC, two subnets, security groups, and a few
 * instances with the tags real teams use (Environment, DataClassification, Criticality,
 * Owner, WorkQueue), some with several volumes and network interfaces, one protected; the
 * web server's role shared with a sibling worker; an IAM user for CI with two access keys.
 * Only ever run against the emulator.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { IAMClient } from "@aws-sdk/client-iam";
import { buildAccount, type InstanceSpec } from "./account-builder.ts";

export interface DemoInstance {
  /** `worker`: the web server's sibling, launched with the same instance profile (and role). */
  key: "web" | "batch" | "dev" | "bastion" | "worker";
  instanceId: string;
  name: string;
  tags: Record<string, string>;
  interfaces: number;
  volumes: number;
}

/** An IAM user of the demo account, tagged for drills, with its access keys (all Active). */
export interface DemoUser {
  key: "ci-deployer";
  userName: string;
  accessKeyIds: string[];
}

export interface DemoAccount {
  vpcId: string;
  subnetIds: string[];
  instances: Record<DemoInstance["key"], DemoInstance>;
  users: Record<DemoUser["key"], DemoUser>;
  /** The role of the web server's instance profile (shared with the worker). */
  webRole: string;
}

/** The demo web server's role, in its instance profile `demo-web-profile`. */
export const DEMO_WEB_ROLE = "demo-web-role";

interface Spec {
  key: DemoInstance["key"];
  tags: Record<string, string>;
  extraInterfaces: number;
  dataVolumes: { device: string; size: number; tags?: Record<string, string> }[];
  /** An Elastic IP on the primary interface (launch-assigned public IPs cannot be removed in the emulator). */
  elasticIp: boolean;
  profile: boolean;
}

/** The payments team's production tags, on the web server and its sibling worker. */
const PAYMENTS = {
  Environment: "prod",
  DataClassification: "restricted",
  Criticality: "high",
  Owner: "payments-team@example.com",
  WorkQueue: "SEC-PAYMENTS",
  "incident-responder:drill": "true",
};

const SPECS: Spec[] = [
  {
    key: "web",
    tags: { Name: "payments-web-1", ...PAYMENTS },
    extraInterfaces: 1,
    dataVolumes: [
      { device: "/dev/sdf", size: 20, tags: { DataClassification: "restricted", Name: "payments-db-data" } },
      { device: "/dev/sdg", size: 10 },
    ],
    elasticIp: true,
    profile: true,
  },
  {
    key: "batch",
    tags: {
      Name: "reporting-batch-1",
      Environment: "staging",
      DataClassification: "internal",
      Criticality: "medium",
      Owner: "data-team@example.com",
      WorkQueue: "SEC-DATA",
      "incident-responder:drill": "true",
    },
    extraInterfaces: 0,
    dataVolumes: [{ device: "/dev/sdf", size: 50 }],
    elasticIp: false,
    profile: false,
  },
  {
    key: "dev",
    tags: { Name: "dev-sandbox-1", Environment: "dev", "incident-responder:drill": "true" },
    extraInterfaces: 0,
    dataVolumes: [],
    elasticIp: false,
    profile: false,
  },
  {
    key: "bastion",
    tags: {
      Name: "bastion-1",
      Environment: "prod",
      Criticality: "critical",
      Owner: "platform-team@example.com",
      "incident-responder:protected": "true",
      "incident-responder:drill": "true",
    },
    extraInterfaces: 0,
    dataVolumes: [],
    elasticIp: true,
    profile: false,
  },
  {
    key: "worker",
    tags: { Name: "payments-worker-1", ...PAYMENTS },
    extraInterfaces: 0,
    dataVolumes: [],
    elasticIp: false,
    profile: true,
  },
];

/** The demo web server's instance profile (its role: `DEMO_WEB_ROLE`). */
const DEMO_WEB_PROFILE = "demo-web-profile";

/** The drill-tagged CI user, with two active access keys. */
const CI_USER = "drill-ci-deployer";

/** A demo instance as the builder takes it: web and bastion in the web tier, the others in the app tier. */
function instanceSpec(spec: Spec): InstanceSpec {
  const name = spec.tags.Name ?? spec.key;
  return {
    key: spec.key,
    subnet: "a",
    groups: [spec.key === "web" || spec.key === "bastion" ? "web" : "app"],
    interfaces: Array.from({ length: spec.extraInterfaces }, () => ({
      subnet: "b",
      groups: ["app"],
      description: `${name} backend`,
      tags: { Name: `${name}-backend` },
    })),
    volumes: [{ device: "/dev/xvda", size: 8 }, ...spec.dataVolumes],
    volumeTags: { Name: `${name}-disk` },
    tags: spec.tags,
    elasticIp: spec.elasticIp,
    ...(spec.profile ? { profile: DEMO_WEB_PROFILE } : {}),
  };
}

/** Creates the demo account's network, instances and CI user in the emulator. */
export async function seedDemoAccount(ec2: EC2Client, iam: IAMClient): Promise<DemoAccount> {
  const built = await buildAccount(
    { ec2, iam },
    {
      vpcs: [
        {
          key: "demo",
          cidr: "10.20.0.0/16",
          tags: { Name: "demo-prod" },
          subnets: [
            { key: "a", cidr: "10.20.1.0/24", az: "us-east-1a" },
            { key: "b", cidr: "10.20.2.0/24", az: "us-east-1b" },
          ],
          groups: [
            {
              key: "web",
              name: "demo-web",
              description: "web tier",
              ingress: [
                { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
                {
                  IpProtocol: "tcp",
                  FromPort: 22,
                  ToPort: 22,
                  IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "temporary: vendor access" }],
                },
              ],
            },
            {
              key: "app",
              name: "demo-app",
              description: "app tier",
              ingress: [
                { IpProtocol: "tcp", FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: "10.20.0.0/16" }] },
              ],
            },
          ],
        },
      ],
      profiles: [{ name: DEMO_WEB_PROFILE, role: { name: DEMO_WEB_ROLE } }],
      instances: SPECS.map(instanceSpec),
      users: [
        {
          name: CI_USER,
          tags: { Owner: "platform-team@example.com", "incident-responder:drill": "true" },
          accessKeys: 2,
        },
      ],
    },
  );
  const vpc = built.vpcs.demo;
  const instances = Object.fromEntries(
    SPECS.map((spec) => {
      const b = built.instances[spec.key];
      const instance: DemoInstance = {
        key: spec.key,
        instanceId: b?.instanceId ?? "",
        name: spec.tags.Name ?? spec.key,
        tags: spec.tags,
        interfaces: 1 + spec.extraInterfaces,
        volumes: 1 + spec.dataVolumes.length,
      };
      return [spec.key, instance];
    }),
  ) as DemoAccount["instances"];
  const ci = built.users[CI_USER];
  return {
    vpcId: vpc?.vpcId ?? "",
    subnetIds: [vpc?.subnetIds.a ?? "", vpc?.subnetIds.b ?? ""],
    instances,
    users: { "ci-deployer": { key: "ci-deployer", userName: CI_USER, accessKeyIds: ci?.accessKeyIds ?? [] } },
    webRole: DEMO_WEB_ROLE,
  };
}
