/**
 * The setup integration tests share: a clean emulator, a local session of the responder, the
 * demo account, the incident store and a queue subscribed to the alert topic. Set whatever the
 * handlers read when they load (POLICY_FILE, APPROVER_ROLE_ARNS…) before calling it.
 */
import { subscribeAlerts } from "../../cli/drill/run.ts";
import { type DemoAccount, seedDemoAccount } from "../../cli/local/demo.ts";
import { type LocalSession, type SessionOptions, startLocalSession } from "../../cli/local/session.ts";
import { dynamoDocClient, ec2Client, iamClient, snsClient, sqsClient } from "../../shared/aws/clients.ts";
import { DynamoIncidentStore } from "../../shared/incident/store.ts";
import { resetEmulator } from "./emulator.ts";

/** What a test starts with. */
export interface TestSession {
  session: LocalSession;
  demo: DemoAccount;
  store: DynamoIncidentStore;
  /** The queue subscribed to the alert topic. */
  alertQueueUrl: string;
}

/**
 * Resets the emulator, starts a session (two attempts per call unless told: the emulator
 * sometimes answers a concurrent write with a 500), seeds the demo account and subscribes the
 * queue `alertQueue` to the alert topic.
 */
export async function startTestSession(
  alertQueue: string,
  options: SessionOptions = {},
): Promise<TestSession> {
  await resetEmulator();
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const session = await startLocalSession({ maxAttempts: 2, ...options });
  const aws = session.aws;
  const demo = await seedDemoAccount(ec2Client(aws), iamClient(aws));
  const store = new DynamoIncidentStore(dynamoDocClient(aws), session.local.resources.incidentTable);
  const alertQueueUrl = await subscribeAlerts(
    { sqs: sqsClient(aws), sns: snsClient(aws) },
    session.local.resources.alertTopicArn,
    alertQueue,
  );
  return { session, demo, store, alertQueueUrl };
}
