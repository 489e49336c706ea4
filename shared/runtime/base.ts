/**
 * Dependencies every function shares, built once per container: config, policy, logger,
 * incident store, alerts, event bus, account sessions, the SDK clients of each account
 * session, and the endpoint's quirks.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { SnsAlerter } from "../alerts/publisher.ts";
import {
  ClientCache,
  type ClientMiddleware,
  type ClientOptions,
  dynamoDocClient,
  eventsClient,
  snsClient,
  stsClient,
} from "../aws/clients.ts";
import { loadConfig, type ResponderConfig } from "../config/index.ts";
import { EventBridgePublisher } from "../events/bus.ts";
import { DynamoIncidentStore } from "../incident/store.ts";
import { loadPolicy } from "../policy/index.ts";
import type { BaseDeps } from "../workflow/deps.ts";
import { AccountSessions } from "./accounts.ts";
import { AWS_BEHAVIOUR, type EmulatorQuirks } from "./quirks.ts";

export interface Runtime {
  config: ResponderConfig;
  /** The function's own client options (its own account, its own credentials). */
  aws: ClientOptions;
  deps: BaseDeps;
  sessions: AccountSessions;
  /**
   * The SDK clients built so far, one per account session and service: ask it, never a
   * factory, for a client per event (`clients.of(await sessions.optionsFor(...), ec2Client)`).
   */
  clients: ClientCache;
  /** The endpoint's departures from AWS: none in AWS. */
  quirks: EmulatorQuirks;
  logger: Logger;
}

/**
 * What only a runner outside Lambda supplies (cli/local/runner.ts): the Lambda handlers pass
 * nothing, so their clients carry no middleware and they allow for no emulator.
 */
export interface RuntimeOptions {
  /** Middleware for every client the function builds (call recording, faults, the emulator's gate). */
  middleware?: readonly ClientMiddleware[];
  /** The endpoint's quirks; AWS's own behaviour when absent. */
  quirks?: EmulatorQuirks;
}

/** Builds the shared runtime from the environment. Fails fast on bad configuration or policy. */
export async function createRuntime(
  serviceName: string,
  env: NodeJS.ProcessEnv = process.env,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const config = loadConfig(env);
  const logger = new Logger({ serviceName });
  const aws: ClientOptions = options.middleware?.length
    ? { ...config.aws, middleware: options.middleware }
    : config.aws;
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
  return {
    config,
    aws,
    deps,
    sessions,
    clients: new ClientCache(),
    quirks: options.quirks ?? AWS_BEHAVIOUR,
    logger,
  };
}
