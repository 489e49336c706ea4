/**
 * The local runner: drains each function's SQS queue (fed by EventBridge rules and SNS
 * subscriptions in the emulator) and invokes that function's handler in-process, as Lambda
 * would: at most a few attempts per event, then the event is set aside as a failed delivery.
 * SNS notifications are handed over as Lambda's SNS event (`Records[].Sns`).
 */
import { randomUUID } from "node:crypto";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { describeError } from "../../shared/errors/index.ts";
import type { EmulatorQuirks } from "../../shared/runtime/quirks.ts";
import type { RouteQueue } from "./environment.ts";
import { type Handler, lambdaContext, loadHandler } from "./handlers.ts";
import type { CallHooks } from "./instrument.ts";
import type { ScheduleRoute } from "./routes.ts";

export { loadHandler };

/** One handler invocation, reported to the runner's observer. */
export interface Invocation {
  functionName: string;
  event: unknown;
  attempt: number;
  ms: number;
  result?: unknown;
  error?: string;
}

export interface RunnerOptions {
  /** Attempts per event before it is set aside (Lambda's asynchronous default is 3). */
  maxAttempts?: number;
  /** Concurrent invocations per function. */
  concurrency?: number;
  /**
   * The account EventBridge stamps on events. The emulator's EventBridge leaves `account`
   * out of events delivered to SQS; AWS always sets it, so the runner restores it.
   */
  account?: string;
  onInvocation?: (inv: Invocation) => void;
  /**
   * The functions' `schedule` events (serverless.yml). Off by default: enabled, each runs on a
   * timer — at its own rate, or every `everyMs` when given — with an EventBridge
   * `Scheduled Event` as its payload. {@link LocalRunner.runScheduled} runs one at once either way.
   */
  schedules?: { enabled?: boolean; everyMs?: number };
  /** Runs the built bundles in this directory (`<dir>/<name>/index.mjs`) instead of the TypeScript sources. */
  bundlesDir?: string;
  /** The hooks each function's clients feed, their calls attributed to the function's name. */
  hooks?: CallHooks;
  /** The endpoint's quirks the functions allow for; AWS's own behaviour when absent. */
  quirks?: EmulatorQuirks;
}

/** Where the scheduled events come from: the account, region and stack the rules would live in. */
export interface ScheduleContext {
  account: string;
  region: string;
  stackName: string;
}

const RATE_UNITS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** The period of an EventBridge `rate(N unit)` expression in ms; undefined for `cron(...)` and anything else. */
export function parseRate(expression: string): number | undefined {
  const m = /^rate\(\s*(\d+)\s+([a-z]+)\s*\)$/.exec(expression.trim());
  const unit = m?.[2] ? RATE_UNITS[m[2]] : undefined;
  return m && unit ? Number(m[1]) * unit : undefined;
}

/** The event an EventBridge schedule rule delivers to its function. */
export function scheduledEvent(route: ScheduleRoute, ctx: ScheduleContext, now = new Date()) {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: ctx.account,
    time: `${now.toISOString().slice(0, 19)}Z`,
    region: ctx.region,
    resources: [
      `arn:aws:events:${ctx.region}:${ctx.account}:rule/${route.name ?? `${ctx.stackName}-${route.functionName}-${route.index}`}`,
    ],
    detail: {},
  };
}

/** An SNS notification as SNS delivers it to an SQS queue without raw delivery. */
export interface SnsNotification {
  Type: "Notification";
  MessageId: string;
  TopicArn: string;
  Message: string;
  Subject?: string;
  Timestamp?: string;
  SignatureVersion?: string;
  Signature?: string;
  SigningCertURL?: string;
  UnsubscribeURL?: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** True when a queue message body is an SNS notification envelope. */
export function isSnsNotification(body: unknown): body is SnsNotification {
  const b = body as Partial<SnsNotification> | null;
  return (
    typeof b === "object" &&
    b !== null &&
    b.Type === "Notification" &&
    typeof b.TopicArn === "string" &&
    typeof b.Message === "string"
  );
}

/** The event Lambda receives for one SNS notification (one record, as SNS always sends). */
export function snsLambdaEvent(n: SnsNotification) {
  return {
    Records: [
      {
        EventVersion: "1.0",
        EventSubscriptionArn: `${n.TopicArn}:local-runner`,
        EventSource: "aws:sns",
        Sns: {
          Type: "Notification",
          MessageId: n.MessageId,
          TopicArn: n.TopicArn,
          Subject: n.Subject ?? null,
          Message: n.Message,
          Timestamp: n.Timestamp ?? new Date().toISOString(),
          SignatureVersion: n.SignatureVersion ?? "1",
          Signature: n.Signature ?? "",
          SigningCertUrl: n.SigningCertURL ?? "",
          UnsubscribeUrl: n.UnsubscribeURL ?? "",
          MessageAttributes: n.MessageAttributes ?? {},
        },
      },
    ],
  };
}

export class LocalRunner {
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private scheduleRoutes: ScheduleRoute[] = [];
  private scheduleContext?: ScheduleContext;
  private inFlight = 0;
  private lastActivity = Date.now();
  /** Counts receives and invocation starts and ends: tells whether anything happened between two reads. */
  private activity = 0;
  readonly failedDeliveries: Invocation[] = [];
  readonly handlers = new Map<string, Promise<Handler>>();
  maxConcurrency = 0;
  /** The topics each function subscribes to (its `sns` events). */
  private readonly topics = new Map<string, Set<string>>();

  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: Map<string, RouteQueue[]>,
    private readonly options: RunnerOptions = {},
  ) {
    for (const [functionName, routes] of queues) {
      const arns = routes.flatMap((r) => (r.kind === "sns" ? [r.route.topicArn] : []));
      if (arns.length) this.topics.set(functionName, new Set(arns));
    }
  }

  start(): void {
    this.running = true;
    for (const [functionName, routes] of this.queues) {
      // Load every handler now, as a warm Lambda container would have it: the first event
      // should not pay for module loading.
      this.handler(functionName).catch(() => undefined);
      const queueUrl = routes[0]?.queueUrl;
      if (queueUrl) this.loops.push(this.loop(functionName, queueUrl));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers.splice(0)) clearInterval(t);
    await Promise.allSettled(this.loops);
  }

  /**
   * Registers the functions' scheduled events. Starts their timers only when the runner's
   * `schedules.enabled` option is set; a schedule without a readable rate (cron) needs `everyMs`.
   */
  schedule(routes: ScheduleRoute[], ctx: ScheduleContext): void {
    this.scheduleRoutes = routes;
    this.scheduleContext = ctx;
    const opts = this.options.schedules;
    if (!opts?.enabled) return;
    for (const route of routes) {
      const every = opts.everyMs ?? parseRate(route.rate);
      if (!every) {
        process.stderr.write(
          `local runner: schedule ${route.rate} of ${route.functionName} not run (set schedules.everyMs)\n`,
        );
        continue;
      }
      let busy = false;
      const timer = setInterval(() => {
        if (busy || !this.running) return;
        busy = true;
        void this.invoke(route.functionName, scheduledEvent(route, ctx), 1).finally(() => {
          busy = false;
        });
      }, every);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /**
   * Runs a function's scheduled event once, now, whether or not the timers are enabled: its
   * first schedule, or the one whose rule name ends with `ruleSuffix`.
   */
  async runScheduled(functionName: string, ruleSuffix?: string): Promise<Invocation> {
    const route = this.scheduleRoutes.find(
      (r) => r.functionName === functionName && (!ruleSuffix || (r.name ?? "").endsWith(ruleSuffix)),
    );
    if (!route || !this.scheduleContext)
      throw new Error(`${functionName} has no schedule event in serverless.yml`);
    return this.invoke(functionName, scheduledEvent(route, this.scheduleContext), 1);
  }

  /** Resolves when no invocation has run for `quietMs` and none is in flight. */
  async idle(quietMs = 1500, timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.inFlight === 0 && Date.now() - this.lastActivity >= quietMs) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  /**
   * Resolves once the responder has nothing left to do: no invocation running, and every
   * function's queue empty — no message waiting, none received and not yet deleted (an event
   * being handled, or waiting for a retry), none delayed — with nothing received or invoked
   * while the queues were read. Unlike {@link idle}, no quiet window is guessed: an event that
   * is still to come is a message in a queue. Rejects after `timeoutMs`, saying what is left.
   */
  async settled(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = await this.backlog();
      if (!left) return;
      if (Date.now() > deadline)
        throw new Error(`the local runner has not settled within ${timeoutMs} ms: ${left}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** What is left to do, in words: "" when no invocation runs and every queue is empty. */
  async backlog(): Promise<string> {
    const before = this.activity;
    if (this.inFlight) return `${this.inFlight} invocation(s) running`;
    const left: string[] = [];
    const queues = new Map([...this.queues].flatMap(([fn, routes]) => routes.map((r) => [r.queueUrl, fn])));
    for (const [queueUrl, functionName] of queues) {
      const a =
        (
          await this.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: queueUrl,
              AttributeNames: [
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
              ],
            }),
          )
        ).Attributes ?? {};
      const waiting = Number(a.ApproximateNumberOfMessages ?? 0);
      const taken = Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
      const delayed = Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
      if (waiting || taken || delayed)
        left.push(
          `${functionName}: ${waiting} waiting, ${taken} being handled or waiting for a retry, ${delayed} delayed`,
        );
    }
    if (!left.length && (this.inFlight || this.activity !== before))
      left.push("events were received or handled while the queues were read");
    return left.join("; ");
  }

  /**
   * The function's handler, built once per runner (as a warm container keeps it), with a
   * runtime of its own: clients carrying the runner's hooks (calls attributed to the function)
   * and the runner's quirks.
   */
  handler(functionName: string): Promise<Handler> {
    let h = this.handlers.get(functionName);
    if (!h) {
      const { hooks, quirks } = this.options;
      h = loadHandler(functionName, this.options.bundlesDir, {
        ...(hooks ? { middleware: [hooks.middleware(functionName)] } : {}),
        ...(quirks ? { quirks } : {}),
      });
      this.handlers.set(functionName, h);
    }
    return h;
  }

  /**
   * Keeps up to `concurrency` invocations of the function running: reads more messages as soon
   * as a slot frees, without waiting for the rest of a batch (Lambda's asynchronous
   * invocations have no batches: a slow event does not hold back the ones behind it).
   */
  private async loop(functionName: string, queueUrl: string): Promise<void> {
    const concurrency = this.options.concurrency ?? 10;
    const active = new Set<Promise<void>>();
    while (this.running) {
      if (active.size >= concurrency) {
        await Promise.race(active);
        continue;
      }
      let messages: Message[] = [];
      try {
        const out = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, concurrency - active.size),
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ["ApproximateReceiveCount"],
          }),
        );
        messages = out.Messages ?? [];
      } catch (err) {
        if (!this.running) break;
        process.stderr.write(`local runner: cannot read the ${functionName} queue: ${describeError(err)}\n`);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!messages.length) continue;
      this.lastActivity = Date.now();
      this.activity++;
      for (const m of messages) {
        const delivery: Promise<void> = this.deliver(functionName, queueUrl, m)
          .catch((err: unknown) => {
            process.stderr.write(`local runner: delivery to ${functionName} failed: ${describeError(err)}\n`);
          })
          .finally(() => {
            active.delete(delivery);
            this.lastActivity = Date.now();
          });
        active.add(delivery);
      }
    }
    await Promise.allSettled(active);
  }

  /** Invokes a function's handler in-process with one event, as Lambda would. */
  private async invoke(functionName: string, event: unknown, attempt: number): Promise<Invocation> {
    this.inFlight++;
    this.activity++;
    this.maxConcurrency = Math.max(this.maxConcurrency, this.inFlight);
    const started = Date.now();
    const inv: Invocation = { functionName, event, attempt, ms: 0 };
    try {
      const handler = await this.handler(functionName);
      inv.result = await handler(event, lambdaContext(functionName, 120_000));
    } catch (err) {
      inv.error = describeError(err);
    } finally {
      this.inFlight--;
      this.activity++;
      inv.ms = Date.now() - started;
      this.lastActivity = Date.now();
    }
    this.options.onInvocation?.(inv);
    return inv;
  }

  private async deliver(functionName: string, queueUrl: string, m: Message): Promise<void> {
    const attempt = Number(m.Attributes?.ApproximateReceiveCount ?? "1");
    const maxAttempts = this.options.maxAttempts ?? 3;
    let event: unknown;
    try {
      event = JSON.parse(m.Body ?? "null");
    } catch {
      event = m.Body;
    }
    if (isSnsNotification(event) && this.topics.get(functionName)?.has(event.TopicArn)) {
      event = snsLambdaEvent(event);
    } else if (
      this.options.account &&
      event &&
      typeof event === "object" &&
      "detail-type" in event &&
      !("account" in event)
    ) {
      (event as Record<string, unknown>).account = this.options.account;
    }
    const inv = await this.invoke(functionName, event, attempt);
    if (!inv.error || attempt >= maxAttempts) {
      if (inv.error) this.failedDeliveries.push(inv);
      await this.sqs
        .send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }))
        .catch(() => undefined);
    } else {
      // Retry later, with a growing delay, like Lambda's asynchronous retries.
      await this.sqs
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: attempt,
          }),
        )
        .catch(() => undefined);
    }
  }
}
