/**
 * A complete local responder: the emulator (started or borrowed), the responder's resources
 * and routes from serverless.yml, the handlers' environment, and the runner that invokes
 * them. Used by `responder drill`, `responder local up` and the integration tests.
 */
import type { ClientOptions } from "../../shared/aws/clients.ts";
import { sqsClient } from "../../shared/aws/clients.ts";
import { localPreflightEnv } from "../preflight/expect.ts";
import { type Emulator, emulatorEnv, type MotoOptions, startEmulator } from "./emulator.ts";
import { createRoutes, handlerEnv, type LocalResponder, provisionLocal } from "./environment.ts";
import { CallHooks } from "./instrument.ts";
import { MOTO_QUIRKS } from "./quirks.ts";
import { scheduleRoutes } from "./routes.ts";
import { LocalRunner, type RunnerOptions } from "./runner.ts";
import { isolateEmulatorTransactions } from "./transactions.ts";

export interface LocalSession {
  emulator: Emulator;
  /** Client options for the emulator; clients built from them feed {@link hooks} (no scope). */
  aws: ClientOptions;
  /**
   * The hooks every client of the session feeds: the handlers' (their calls attributed to
   * their function), the runner's and those built from {@link aws}. Set a recorder, a fault
   * injector, a gate or an answer rewriter on it at any time.
   */
  hooks: CallHooks;
  local: LocalResponder;
  runner: LocalRunner;
  /** Time spent on each phase of start-up, in ms. */
  timings: { emulatorMs: number; provisionMs: number; routesMs: number };
  stop(): Promise<void>;
}

export interface SessionOptions extends Omit<RunnerOptions, "maxAttempts"> {
  port?: number;
  region?: string;
  /** How to find moto, and whether it may be installed when missing. */
  moto?: MotoOptions;
  /** Attempts per AWS call in the handlers (1 in tests: unimplemented APIs fail fast). */
  maxAttempts?: number;
  /**
   * Attempts per event before the runner sets it aside (Lambda's asynchronous default, 3).
   * Not the same as `maxAttempts`, which counts the SDK's attempts of one AWS call.
   */
  eventAttempts?: number;
}

/**
 * Starts (or borrows) the emulator, provisions the responder, routes its events and starts
 * the runner. Sets the handlers' environment on this process: handlers run in-process.
 */
export async function startLocalSession(options: SessionOptions = {}): Promise<LocalSession> {
  const t0 = Date.now();
  const emulator = await startEmulator({
    ...(options.port ? { port: options.port } : {}),
    ...(options.moto ? { moto: options.moto } : {}),
  });
  const t1 = Date.now();
  const region = options.region ?? process.env.AWS_REGION ?? "us-east-1";
  Object.assign(process.env, emulatorEnv(emulator.endpoint, region));
  const hooks = options.hooks ?? new CallHooks();
  // The atomicity DynamoDB's writes and transactions have, which the emulator's lack.
  isolateEmulatorTransactions(hooks);
  const aws: ClientOptions = {
    region,
    endpoint: emulator.endpoint,
    maxAttempts: options.maxAttempts ?? 3,
    middleware: [hooks.middleware()],
  };
  try {
    const local = await provisionLocal(aws);
    const t2 = Date.now();
    const queues = await createRoutes(aws, local);
    const t3 = Date.now();
    Object.assign(process.env, handlerEnv(aws, local.resources), {
      ...localPreflightEnv(local.doc.resources.Resources, local.context.stackName),
      AWS_MAX_ATTEMPTS: String(aws.maxAttempts),
    });
    const {
      maxAttempts: _callAttempts,
      eventAttempts,
      port: _port,
      region: _region,
      moto: _moto,
      ...runnerOptions
    } = options;
    const runner = new LocalRunner(sqsClient(aws), queues, {
      account: local.context.accountId,
      quirks: MOTO_QUIRKS,
      ...runnerOptions,
      hooks,
      maxAttempts: eventAttempts ?? 3,
    });
    runner.start();
    // Scheduled events: always registered (runner.runScheduled), on timers only with options.schedules.enabled.
    runner.schedule(scheduleRoutes(local.doc), {
      account: local.context.accountId,
      region,
      stackName: local.context.stackName,
    });
    return {
      emulator,
      aws,
      hooks,
      local,
      runner,
      timings: { emulatorMs: t1 - t0, provisionMs: t2 - t1, routesMs: t3 - t2 },
      stop: async () => {
        await runner.stop();
        await emulator.stop();
      },
    };
  } catch (err) {
    await emulator.stop();
    throw err;
  }
}
