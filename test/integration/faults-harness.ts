/**
 * Shared set-up of the fault-injection tests (test/integration/faults-*.test.ts): a local
 * responder on the shared emulator with the demo account, a call log (every AWS call the
 * handlers made, with its scope and input), drill events aimed at demo instances, and the
 * read-backs the tests check (snapshots per incident, isolation groups per VPC, interfaces).
 *
 * The test's own calls run outside any runner invocation, so they carry no scope: injectors
 * that fail only scoped calls never touch the verification.
 *
 * The session makes the emulator's DynamoDB writes and transactions isolated, as DynamoDB's
 * are (cli/local/transactions.ts): moto undoes concurrent writes when it cancels a transaction,
 * which a test of concurrent duplicates would otherwise blame on the responder.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
  type Snapshot,
} from "@aws-sdk/client-ec2";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { SQSClient } from "@aws-sdk/client-sqs";
// The SDK's own retry machinery (the one copy every client uses), for compressing its waits.
import { DefaultRateLimiter, Retry } from "@smithy/core/retry";
import { drainAlerts, putEvent, type ReceivedAlert, subscribeAlerts } from "../../cli/drill/run.ts";
import { scenario } from "../../cli/drill/scenarios.ts";
import { waitForIncidentOf, waitForSettled } from "../../cli/drill/watch.ts";
import { type DemoAccount, type DemoInstance, seedDemoAccount } from "../../cli/local/demo.ts";
import { CallHooks, type CallRecord } from "../../cli/local/instrument.ts";
import { type LocalSession, type SessionOptions, startLocalSession } from "../../cli/local/session.ts";
import {
  dynamoDocClient,
  ec2Client,
  eventsClient,
  iamClient,
  snsClient,
  sqsClient,
} from "../../shared/aws/clients.ts";
import { defaultPolicyFile } from "../../shared/config/index.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { DynamoIncidentStore } from "../../shared/incident/store.ts";
import { normalizeEvent, wrapDrill } from "../../shared/intake/index.ts";
import { resetEmulator } from "../support/emulator.ts";
import { shown, WAIT_MS } from "../support/findings.ts";

export const ISOLATION_GROUP = "incident-responder-isolation";
export const UNTRACKING_GROUP = "incident-responder-untracking";
const INCIDENT_TAG = "incident-responder:incident-id";

export interface FaultWorld {
  session: LocalSession;
  demo: DemoAccount;
  ec2: EC2Client;
  events: EventBridgeClient;
  sqs: SQSClient;
  store: DynamoIncidentStore;
  alertQueueUrl: string;
  /** Every AWS call made so far (handlers' calls carry their function's name as scope). */
  calls: CallRecord[];
  /**
   * The hooks every client of the world feeds (the session's): its recorder fills
   * {@link calls}; set a fault injector or an answer rewriter on it.
   */
  hooks: CallHooks;
  account: string;
  region: string;
  stop(): Promise<void>;
}

/**
 * Resets the shared emulator, starts a local responder on it (policy with a blast-radius cap
 * high enough for the test), seeds the demo account and subscribes a queue to the alerts.
 */
export async function startFaultWorld(
  options: SessionOptions = {},
  /** Changes the policy's text (the default one, with the cap raised) before the responder loads it. */
  editPolicy: (yaml: string) => string = (yaml) => yaml,
): Promise<FaultWorld> {
  await resetEmulator();
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const dir = mkdtempSync(join(tmpdir(), "faults-policy-"));
  const policyFile = join(dir, "policy.yaml");
  writeFileSync(
    policyFile,
    editPolicy(
      readFileSync(defaultPolicyFile(), "utf8").replace(
        /maxContainmentsPerHour: \d+/,
        "maxContainmentsPerHour: 1000",
      ),
    ),
  );
  process.env.POLICY_FILE = policyFile;
  const calls: CallRecord[] = [];
  const hooks = new CallHooks();
  hooks.recorder = (c) => calls.push(c);
  const session = await startLocalSession({ ...options, hooks });
  const aws = session.aws;
  const ec2 = ec2Client(aws);
  const sqs = sqsClient(aws);
  const demo = await seedDemoAccount(ec2, iamClient(aws));
  const alertQueueUrl = await subscribeAlerts(
    { sqs, sns: snsClient(aws) },
    session.local.resources.alertTopicArn,
    `faults-alerts-${Date.now()}`,
  );
  return {
    session,
    hooks,
    demo,
    ec2,
    events: eventsClient(aws),
    sqs,
    store: new DynamoIncidentStore(dynamoDocClient(aws), session.local.resources.incidentTable),
    alertQueueUrl,
    calls,
    account: session.local.context.accountId,
    region: aws.region,
    stop: async () => {
      hooks.fault = undefined;
      hooks.recorder = undefined;
      await session.stop();
      delete process.env.POLICY_FILE;
    },
  };
}

/** A drill event of a scenario aimed at a demo instance, and the finding it makes. */
export function drillEvent(world: FaultWorld, scenarioName: string, key: DemoInstance["key"]) {
  const target = {
    instanceId: world.demo.instances[key].instanceId,
    account: world.account,
    region: world.region,
  };
  const event = wrapDrill(scenario(scenarioName).build(target) as never, scenarioName) as unknown as Record<
    string,
    unknown
  >;
  const intake = normalizeEvent(event);
  if (intake.kind !== "finding")
    throw new Error(`the ${scenarioName} drill makes no finding: ${intake.reason}`);
  return { event, finding: intake.finding, instanceId: target.instanceId };
}

/** Puts the event on the bus and waits until its incident exists and has settled. */
export async function runToSettled(
  world: FaultWorld,
  drill: ReturnType<typeof drillEvent>,
  timeoutMs = WAIT_MS,
): Promise<{ incidentId: string; incident: IncidentRecord; settled: boolean }> {
  await putEvent(world.events, drill.event);
  return settleOf(world, drill, timeoutMs);
}

/**
 * Waits until the finding's incident exists and has settled (the event is already on the bus).
 * Fails, showing the incident's steps, when it has not within `timeoutMs`.
 */
export async function settleOf(
  world: FaultWorld,
  drill: ReturnType<typeof drillEvent>,
  timeoutMs = WAIT_MS,
): Promise<{ incidentId: string; incident: IncidentRecord; settled: boolean }> {
  const f = drill.finding;
  const incidentId = await waitForIncidentOf(
    () => world.store.incidentOfFinding(f.account, f.source, f.id, f.drill),
    timeoutMs,
  );
  if (!incidentId) throw new Error(`no incident for finding ${f.id} within ${timeoutMs} ms`);
  const { incident, settled } = await waitForSettled(world.store, incidentId, { timeoutMs });
  if (!settled)
    throw new Error(
      `incident ${incidentId} has not settled within ${timeoutMs} ms: ${shown(incident.steps)}`,
    );
  return { incidentId, incident, settled };
}

/**
 * Waits until the local responder has nothing left to do (runner.settled: no invocation
 * running, every queue empty), then reads the incident: what the tests assert on is final.
 */
export async function quiet(world: FaultWorld, incidentId: string): Promise<IncidentRecord> {
  await world.session.runner.settled(WAIT_MS);
  return world.store.get(incidentId);
}

/** Alerts received so far by the subscriber queue. */
export function alerts(world: FaultWorld): Promise<ReceivedAlert[]> {
  return drainAlerts(world.sqs, world.alertQueueUrl);
}

/** Snapshots tagged with an incident id. */
export async function snapshotsOf(world: FaultWorld, incidentId: string): Promise<Snapshot[]> {
  const out = await world.ec2.send(
    new DescribeSnapshotsCommand({
      OwnerIds: ["self"],
      Filters: [{ Name: `tag:${INCIDENT_TAG}`, Values: [incidentId] }],
    }),
  );
  return out.Snapshots ?? [];
}

/** Security group ids of a VPC with the given name. */
export async function groupsNamed(world: FaultWorld, vpcId: string, name: string): Promise<string[]> {
  const out = await world.ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "vpc-id", Values: [vpcId] },
        { Name: "group-name", Values: [name] },
      ],
    }),
  );
  return (out.SecurityGroups ?? []).map((g) => g.GroupId ?? "");
}

/** Security groups of each network interface of an instance. */
export async function interfacesOf(world: FaultWorld, instanceId: string): Promise<Record<string, string[]>> {
  const out = await world.ec2.send(
    new DescribeNetworkInterfacesCommand({
      Filters: [{ Name: "attachment.instance-id", Values: [instanceId] }],
    }),
  );
  return Object.fromEntries(
    (out.NetworkInterfaces ?? []).map((n) => [
      n.NetworkInterfaceId ?? "",
      (n.Groups ?? []).map((g) => g.GroupId ?? ""),
    ]),
  );
}

/** Calls that reached the emulator and succeeded, made by handlers. */
export function succeeded(world: FaultWorld, operation: string, scope?: string): CallRecord[] {
  return world.calls.filter(
    (c) => c.operation === operation && !c.error && c.scope !== undefined && (!scope || c.scope === scope),
  );
}

/**
 * Successful security-group swaps per interface: `{ eni: [groupId, …] }` in call order
 * (ModifyNetworkInterfaceAttribute with `Groups`; public-IP removals are not swaps).
 */
export function swapsPerInterface(world: FaultWorld): Record<string, string[][]> {
  const out: Record<string, string[][]> = {};
  for (const c of succeeded(world, "ModifyNetworkInterfaceAttribute")) {
    const eni = String(c.input?.NetworkInterfaceId ?? "");
    const groups = c.input?.Groups as string[] | undefined;
    if (!groups) continue;
    out[eni] = [...(out[eni] ?? []), groups];
  }
  return out;
}

/** An error the SDK classifies as throttling (see @smithy/service-error-classification). */
export function throttlingError(service: string, operation: string): Error {
  const code = service === "EC2" ? "RequestLimitExceeded" : "ThrottlingException";
  return Object.assign(new Error(`Rate exceeded (injected into ${service}.${operation})`), {
    name: code,
    Code: code,
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
    $retryable: { throttling: true },
  });
}

/**
 * Runs the SDK's retry waits on a clock `factor` times faster: the throttling and transient
 * back-off bases, and the adaptive rate limiter's clock and sleeps. Every decision the SDK
 * makes (what is retried, how many attempts, the retry quota, how the limiter adapts its rate)
 * is unchanged; only the waiting is shorter. With real waits (throttling back-off base 1 s,
 * doubling up to 20 s, and adaptive clients slowing to 0.5 request/s) one incident under 30 %
 * throttling takes minutes. Returns the function that restores the real clock.
 */
export function compressSdkTime(factor: number): () => void {
  const retry = Retry as unknown as { delay(): number; throttlingDelay(): number };
  const limiter = DefaultRateLimiter as unknown as {
    setTimeoutFn: (fn: () => void, delay: number) => unknown;
    prototype: { getCurrentTimeInSeconds(): number };
  };
  const saved = {
    delay: retry.delay,
    throttlingDelay: retry.throttlingDelay,
    setTimeoutFn: limiter.setTimeoutFn,
    now: limiter.prototype.getCurrentTimeInSeconds,
  };
  const delay = saved.delay.call(Retry);
  const throttlingDelay = saved.throttlingDelay.call(Retry);
  const t0 = Date.now();
  retry.delay = () => delay / factor;
  retry.throttlingDelay = () => throttlingDelay / factor;
  limiter.setTimeoutFn = (fn, ms) => setTimeout(fn, ms / factor);
  limiter.prototype.getCurrentTimeInSeconds = () => (t0 + (Date.now() - t0) * factor) / 1000;
  return () => {
    retry.delay = saved.delay;
    retry.throttlingDelay = saved.throttlingDelay;
    limiter.setTimeoutFn = saved.setTimeoutFn;
    limiter.prototype.getCurrentTimeInSeconds = saved.now;
  };
}
