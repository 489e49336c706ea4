/**
 * The event routes of every function, read from serverless.yml: which bus, which pattern.
 * Locally each route becomes an EventBridge rule in the emulator with an SQS queue target;
 * EventBridge (the emulator) does the matching, never code of ours.
 */
import { evaluate, type Physical, type StackContext } from "./provision.ts";
import type { Json } from "./serverless.ts";

export interface EventRoute {
  functionName: string;
  /** Position of the event in the function's `events` list. */
  index: number;
  busName: string;
  pattern: Record<string, unknown>;
}

export interface ScheduleRoute {
  functionName: string;
  index: number;
  rate: string;
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

/** Every scheduled event of every function. */
export function scheduleRoutes(doc: Json): ScheduleRoute[] {
  const routes: ScheduleRoute[] = [];
  for (const [functionName, fn] of Object.entries<Json>(doc.functions ?? {})) {
    (fn.events ?? []).forEach((ev: Json, index: number) => {
      const s = ev.schedule;
      if (!s) return;
      routes.push({ functionName, index, rate: typeof s === "string" ? s : String(s.rate) });
    });
  }
  return routes;
}
