/**
 * SDK clients are built once per account session per container, never per event, and a
 * deployed function's clients carry no middleware: only a runner outside Lambda adds any.
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { CallHooks } from "../../../cli/local/instrument.ts";
import { triageDeps } from "../../../functions/triage/logic.ts";
import { type ClientMiddleware, ec2Client } from "../../../shared/aws/clients.ts";
import type { Finding } from "../../../shared/domain/types.ts";
import { createRuntime } from "../../../shared/runtime/base.ts";

const OWN = "111111111111";
const MEMBER = "222222222222";
const ENV = {
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  INCIDENT_TABLE: "incidents",
  EVIDENCE_BUCKET: "evidence",
  ALERT_TOPIC_ARN: `arn:aws:sns:eu-west-1:${OWN}:alerts`,
  EVENT_BUS_NAME: "responder",
  MEMBER_ACCOUNTS: MEMBER,
  MEMBER_ROLE_NAME: "incident-responder-member",
  MEMBER_READ_ROLE_NAME: "incident-responder-member-read",
};

const sts = mockClient(STSClient);
const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);

afterAll(() => {
  for (const m of [sts, ec2, autoScaling]) m.restore();
});

beforeEach(() => {
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  for (const m of [sts, ec2, autoScaling]) m.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: OWN });
  sts.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: "ASIAMEMBER",
      SecretAccessKey: "s",
      SessionToken: "t",
      Expiration: new Date(Date.now() + 900_000),
    },
  });
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [{ Instances: [{ InstanceId: "i-0123456789abcdef0", State: { Name: "running" } }] }],
  });
  ec2.on(DescribeVolumesCommand).resolves({});
  ec2.on(DescribeNetworkInterfacesCommand).resolves({});
  ec2.on(DescribeSecurityGroupsCommand).resolves({});
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({});
});

/** A middleware that counts the clients it is added to: one per client built. */
function clientCounter(): { middleware: ClientMiddleware; built: () => number } {
  let built = 0;
  return {
    middleware: {
      applyToStack: () => {
        built++;
      },
    },
    built: () => built,
  };
}

const findingIn = (account: string) =>
  ({
    account,
    resources: [{ kind: "ec2-instance", id: "i-0123456789abcdef0" }],
  }) as unknown as Finding;

describe("the clients of a warm container", () => {
  it("are built for the first event in the function's own account and reused for the next", async () => {
    const counter = clientCounter();
    const rt = await createRuntime("triage", ENV, { middleware: [counter.middleware] });
    const deps = triageDeps(rt);

    await deps.resolve(findingIn(OWN));
    const afterFirst = counter.built();
    await deps.resolve(findingIn(OWN));

    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(2);
    expect(counter.built()).toBe(afterFirst);
  });

  it("are built once per assumed session in a member account", async () => {
    const counter = clientCounter();
    const rt = await createRuntime("triage", ENV, { middleware: [counter.middleware] });
    const deps = triageDeps(rt);
    await deps.resolve(findingIn(OWN));
    const ownClients = counter.built();

    await deps.resolve(findingIn(MEMBER));
    const afterFirst = counter.built();
    await deps.resolve(findingIn(MEMBER));

    expect(afterFirst).toBeGreaterThan(ownClients);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    expect(counter.built()).toBe(afterFirst);
  });

  it("are the same objects for the same session, and others for another account", async () => {
    const rt = await createRuntime("triage", ENV);

    const own = await rt.sessions.optionsFor(OWN, "ir-1", "read");
    const member = await rt.sessions.optionsFor(MEMBER, "ir-1", "read");

    expect(rt.clients.of(own, ec2Client)).toBe(
      rt.clients.of(await rt.sessions.optionsFor(OWN, "ir-2", "act"), ec2Client),
    );
    expect(rt.clients.of(member, ec2Client)).toBe(
      rt.clients.of(await rt.sessions.optionsFor(MEMBER, "ir-2", "read"), ec2Client),
    );
    expect(rt.clients.of(member, ec2Client)).not.toBe(rt.clients.of(own, ec2Client));
  });
});

describe("a deployed function's clients", () => {
  const names = (client: { middlewareStack: { identify(): string[] } }) =>
    client.middlewareStack.identify().join(" ");

  it("carry no recording or fault-injecting middleware", async () => {
    const rt = await createRuntime("contain", ENV);

    expect(rt.aws.middleware).toBeUndefined();
    expect(names(ec2Client(rt.aws))).not.toMatch(/responder/);
  });

  it("carry the local runner's middleware only when it supplies it", async () => {
    const hooks = new CallHooks();
    const rt = await createRuntime("contain", ENV, { middleware: [hooks.middleware("contain")] });

    expect(names(ec2Client(rt.aws))).toMatch(
      /responderCallRecorder.*responderFaultInjector|responderFaultInjector.*responderCallRecorder/,
    );
  });
});
