/**
 * Drills against the local responder: seeds the demo account, subscribes a queue to the
 * alert topic, and runs scenarios one after another in one session. A scenario whose demo
 * instance an earlier scenario already used gets a fresh copy of it, so that each scenario
 * opens its own incident on an untouched instance.
 */
import {
  dynamoDocClient,
  ec2Client,
  eventsClient,
  iamClient,
  s3Client,
  snsClient,
  sqsClient,
} from "../../shared/aws/clients.ts";
import type { TimelineEntry } from "../../shared/incident/model.ts";
import { DynamoIncidentStore } from "../../shared/incident/store.ts";
import { type DemoAccount, seedDemoAccount } from "../local/demo.ts";
import type { LocalSession } from "../local/session.ts";
import { cloneInstance, nextName } from "./clone.ts";
import { type DrillOutcome, runDrill, subscribeAlerts } from "./run.ts";
import type { Scenario, ScenarioTarget } from "./scenarios.ts";

export interface LocalDrillTarget {
  /** The instance ("" for a scenario on an IAM user). */
  instanceId: string;
  name: string;
  /** True when the scenario runs on a fresh copy of its demo instance. */
  copy: boolean;
  /** The IAM user and the key its finding names (scenarios on a user). */
  user?: ScenarioTarget["user"];
}

export interface LocalDrillOptions {
  /** Before each scenario (after its target is chosen). */
  onScenario?: (s: Scenario, target: LocalDrillTarget) => void;
  onEntry?: (e: TimelineEntry, elapsedMs: number) => void;
  /** Wraps each scenario's run (e.g. to record the AWS calls it causes). */
  around?: <T>(s: Scenario, run: () => Promise<T>) => Promise<T>;
  timeoutMs?: number;
  queueName?: string;
}

/** Seeds the demo account in the session's emulator (once per session). */
export async function seedDemo(session: LocalSession): Promise<DemoAccount> {
  return seedDemoAccount(ec2Client(session.aws), iamClient(session.aws));
}

/** Runs the scenarios in order against the session's responder. */
export async function runLocalDrills(
  session: LocalSession,
  demo: DemoAccount,
  scenarios: Scenario[],
  opts: LocalDrillOptions = {},
): Promise<DrillOutcome[]> {
  const aws = session.aws;
  const clients = {
    ec2: ec2Client(aws),
    events: eventsClient(aws),
    s3: s3Client(aws),
    sqs: sqsClient(aws),
    sns: snsClient(aws),
    iam: iamClient(aws),
  };
  const alertQueueUrl = await subscribeAlerts(
    clients,
    session.local.resources.alertTopicArn,
    opts.queueName ?? "drill-alert-subscriber",
  );
  const store = new DynamoIncidentStore(dynamoDocClient(aws), session.local.resources.incidentTable);
  // Copies are made before any scenario runs: a copy of an instance already contained
  // would inherit its isolation.
  const used = new Map<string, number>();
  const targets: LocalDrillTarget[] = [];
  for (const s of scenarios) {
    if (s.demoTarget === "ci-deployer") {
      // The finding names the user's first key; the second must stay Active.
      const u = demo.users["ci-deployer"];
      const [accessKeyId = "", ...otherKeyIds] = u.accessKeyIds;
      targets.push({
        instanceId: "",
        name: u.userName,
        copy: false,
        user: { userName: u.userName, accessKeyId, otherKeyIds },
      });
      continue;
    }
    const demoTarget = demo.instances[s.demoTarget];
    const n = (used.get(s.demoTarget) ?? 0) + 1;
    used.set(s.demoTarget, n);
    const copy = n > 1;
    targets.push({
      instanceId: copy ? await cloneInstance(clients.ec2, demoTarget.instanceId, n) : demoTarget.instanceId,
      name: copy ? nextName(demoTarget.name, n) : demoTarget.name,
      copy,
    });
  }
  const outcomes: DrillOutcome[] = [];
  for (const [i, s] of scenarios.entries()) {
    const target = targets[i] as LocalDrillTarget;
    const instanceId = target.instanceId;
    opts.onScenario?.(s, target);
    const run = () =>
      runDrill(
        s,
        {
          instanceId,
          account: session.local.context.accountId,
          region: aws.region,
          ...(target.user ? { user: target.user } : {}),
          // The web server's role is shared with the worker: the sibling that must stay untouched.
          ...(s.expect.revokedCredentials
            ? { credentials: { roleName: demo.webRole, siblingId: demo.instances.worker.instanceId } }
            : {}),
        },
        {
          clients,
          store,
          resources: session.local.resources,
          alertQueueUrl,
          demo: true,
          ...(opts.onEntry ? { onEntry: opts.onEntry } : {}),
          ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
          // Alerts still on their way are messages in the runner's queues: wait until none is left.
          afterSettled: () => session.runner.settled(opts.timeoutMs ?? 120_000),
        },
      );
    outcomes.push(await (opts.around ? opts.around(s, run) : run()));
  }
  return outcomes;
}
