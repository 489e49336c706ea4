/**
 * The world one bench phase runs in (bench/incidents.ts): a local responder on the emulator
 * with every AWS call and every invocation recorded, the bench's policy, and the bus it puts
 * findings on.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { CallHooks, type CallRecord } from "../cli/local/instrument.ts";
import { type LocalSession, startLocalSession } from "../cli/local/session.ts";
import { dynamoDocClient, ec2Client, eventsClient } from "../shared/aws/clients.ts";
import { defaultPolicyFile } from "../shared/config/index.ts";
import { DynamoIncidentStore } from "../shared/incident/store.ts";
import type { SessionInfo } from "./incident-figures.ts";

/** The managed isolation group's name (one per VPC). */
export const ISOLATION_GROUP = "incident-responder-isolation";
/** The managed untracking group's name (one per VPC). */
export const UNTRACKING_GROUP = "incident-responder-untracking";

/** One handler invocation as the local runner reported it. */
export interface InvocationRecord {
  fn: string;
  start: number;
  end: number;
  attempt: number;
  error?: string;
  incidentId?: string;
}

/**
 * The default policy with two changes, said in the output: the blast-radius cap out of the way
 * (it would hold the 11th containment of the hour for approval), and no clean rooms (they come
 * after the evidence is sealed, off the containment path, and the emulator's CloudFormation
 * builds each synchronously — a VPC, a subnet, an instance, volumes — which would dominate
 * every figure here; test/integration/cleanroom.test.ts covers them).
 */
function benchPolicy(): string {
  const file = join(mkdtempSync(join(tmpdir(), "bench-policy-")), "policy.yaml");
  const text = readFileSync(defaultPolicyFile(), "utf8")
    .replace(/maxContainmentsPerHour: \d+/, "maxContainmentsPerHour: 100000")
    .replace(/tiers: \[critical, high\]/, "tiers: []");
  if (!text.includes("maxContainmentsPerHour: 100000") || !text.includes("tiers: []"))
    throw new Error("policy/default.yaml changed: cannot adapt it for the bench");
  writeFileSync(file, text);
  return file;
}

/** A running phase: the session, its clients and what it recorded. */
export interface World {
  session: LocalSession;
  ec2: EC2Client;
  events: EventBridgeClient;
  store: DynamoIncidentStore;
  account: string;
  region: string;
  calls: CallRecord[];
  invocations: InvocationRecord[];
}

/**
 * Starts a local responder (its own emulator unless AWS_ENDPOINT_URL is set) for one phase,
 * runs it and stops it. The handlers are loaded once per process with the session's
 * environment, so each phase runs in a process of its own ({@link runIncidentBench}).
 */
export async function inSession<T>(
  concurrency: number,
  fn: (w: World) => Promise<T>,
): Promise<T & { session: SessionInfo }> {
  const savedEnv = { ...process.env };
  process.env.POLICY_FILE = benchPolicy();
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const calls: CallRecord[] = [];
  const invocations: InvocationRecord[] = [];
  const hooks = new CallHooks();
  hooks.recorder = (c) => calls.push(c);
  const session = await startLocalSession({
    concurrency,
    hooks,
    onInvocation: (inv) => {
      const end = Date.now();
      const id = (inv.event as { detail?: { incidentId?: unknown } } | undefined)?.detail?.incidentId;
      invocations.push({
        fn: inv.functionName,
        start: end - inv.ms,
        end,
        attempt: inv.attempt,
        ...(inv.error ? { error: inv.error } : {}),
        ...(typeof id === "string" ? { incidentId: id } : {}),
      });
    },
  });
  try {
    const aws = session.aws;
    const world: World = {
      session,
      ec2: ec2Client(aws),
      events: eventsClient(aws),
      store: new DynamoIncidentStore(dynamoDocClient(aws), session.local.resources.incidentTable),
      account: session.local.context.accountId,
      region: aws.region,
      calls,
      invocations,
    };
    const value = await fn(world);
    return {
      ...value,
      session: {
        owned: session.emulator.owned,
        sdkMaxAttempts: aws.maxAttempts,
        eventAttempts: 3,
        concurrency,
      },
    };
  } finally {
    hooks.recorder = undefined;
    await session.stop();
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
  }
}

/** Puts events (as EventBridge delivers them) on the default bus; any refused entry is an error. */
export async function putEntries(events: EventBridgeClient, batch: Record<string, unknown>[]): Promise<void> {
  const out = await events.send(
    new PutEventsCommand({
      Entries: batch.map((e) => ({
        EventBusName: "default",
        Source: String(e.source),
        DetailType: String(e["detail-type"]),
        Detail: JSON.stringify(e.detail),
        Resources: [],
        Time: new Date(String(e.time)),
      })),
    }),
  );
  if (out.FailedEntryCount) throw new Error(`PutEvents refused ${out.FailedEntryCount} entries`);
}
