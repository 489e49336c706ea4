/**
 * The event routes of every function, read from serverless.yml: which bus, which pattern.
 * Locally each route becomes an EventBridge rule in the emulator with an SQS queue target;
 * EventBridge (the emulator) does the matching, never code of ours. SNS subscriptions become
 * subscriptions of the same queue to the topic.
 */
import { ConfigError } from "../../shared/errors/index.ts";
import type { Json } from "./serverless.ts";
import { evaluate, type Physical, type StackContext } from "./template.ts";

export interface EventRoute {
  functionName: string;
  /** Position of the event in the function's `events` list. */
  index: number;
  busName: string;
  pattern: Record<string, unknown>;
}

/** A function subscribed to an SNS topic (an `sns` event). */
export interface SnsRoute {
  functionName: string;
  /** Position of the event in the function's `events` list. */
  index: number;
  topicArn: string;
}

export interface ScheduleRoute {
  functionName: string;
  index: number;
  rate: string;
  /** The rule's name when serverless.yml gives one (`schedule.name`). */
  name?: string;
}

/** Every EventBridge route of every function, with intrinsic references resolved. */
export function eventRoutes(doc: Json, ctx: StackContext, physical: Record<string, Physical>): EventRoute[] {
  const routes: EventRoute[] = [];
  for (const [functionName, fn] of Object.entries<Json>(doc.functions ?? {})) {
    (fn.events ?? []).forEach((ev: Json, index: number) => {
      const eb = ev.eventBridge;
      if (!eb) return;
      const bus = eb.eventBus === undefined ? "default" : String(evaluate(eb.eventBus, ctx, physical));
      routes.push({ functionName, index, busName: bus.split("/").pop() ?? bus, pattern: eb.pattern });
    });
  }
  return routes;
}

/**
 * Every SNS subscription of every function, with the topic's ARN resolved. Only topics given
 * by ARN (a string or an intrinsic such as `Ref`) are supported: osls creates a topic named by
 * a bare `topicName` itself, which the local provisioner would not know.
 */
export function snsRoutes(doc: Json, ctx: StackContext, physical: Record<string, Physical>): SnsRoute[] {
  const routes: SnsRoute[] = [];
  for (const [functionName, fn] of Object.entries<Json>(doc.functions ?? {})) {
    (fn.events ?? []).forEach((ev: Json, index: number) => {
      const sns = ev.sns;
      if (sns === undefined) return;
      const arn = typeof sns === "string" ? (sns.startsWith("arn:") ? sns : undefined) : sns.arn;
      if (arn === undefined) {
        throw new ConfigError(
          `functions.${functionName}.events[${index}].sns: locally only topics given by arn are supported`,
        );
      }
      routes.push({ functionName, index, topicArn: String(evaluate(arn, ctx, physical)) });
    });
  }
  return routes;
}

/** Every scheduled event of every function. */
export function scheduleRoutes(doc: Json): ScheduleRoute[] {
  const routes: ScheduleRoute[] = [];
  for (const [functionName, fn] of Object.entries<Json>(doc.functions ?? {})) {
    (fn.events ?? []).forEach((ev: Json, index: number) => {
      const s = ev.schedule;
      if (!s) return;
      routes.push({
        functionName,
        index,
        rate: typeof s === "string" ? s : String(s.rate),
        ...(typeof s === "object" && s.name ? { name: String(s.name) } : {}),
      });
    });
  }
  return routes;
}
