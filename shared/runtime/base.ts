/**
 * Dependencies every function shares, built once per container: config, policy, logger,
 * incident store, alerts, event bus, account sessions.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { SnsAlerter } from "../alerts/publisher.ts";
import { type ClientOptions, dynamoDocClient, eventsClient, snsClient, stsClient } from "../aws/clients.ts";
import { loadConfig, type ResponderConfig } from "../config/index.ts";
import { EventBridgePublisher } from "../events/bus.ts";
import { DynamoIncidentStore } from "../incident/store.ts";
import { loadPolicy } from "../policy/index.ts";
import type { BaseDeps } from "../workflow/deps.ts";
import { AccountSessions } from "./accounts.ts";

export interface Runtime {
  config: ResponderConfig;
  aws: ClientOptions;
  deps: BaseDeps;
  sessions: AccountSessions;
  logger: Logger;
}

/** Builds the shared runtime from the environment. Fails fast on bad configuration or policy. */
export async function createRuntime(
  serviceName: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Runtime> {
  const config = loadConfig(env);
  const logger = new Logger({ serviceName });
  const aws: ClientOptions = config.aws;
  const policy = await loadPolicy(config.policyFile);
  const deps: BaseDeps = {
    store: new DynamoIncidentStore(dynamoDocClient(aws), config.resources.incidentTable),
    alerter: new SnsAlerter(snsClient(aws), config.resources.alertTopicArn),
    bus: new EventBridgePublisher(eventsClient(aws), config.resources.eventBusName),
    policy,
    log: logger,
    dryRun: config.dryRun,
    evidenceBucket: config.resources.evidenceBucket,
  };
  const sessions = new AccountSessions(stsClient(aws), aws, config);
  return { config, aws, deps, sessions, logger };
}
