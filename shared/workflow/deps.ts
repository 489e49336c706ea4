/**
 * What the workflows need, as ports. Handlers build these once per container.
 */
import type { Alerter } from "../alerts/publisher.ts";
import type { EventPublisher } from "../events/bus.ts";
import type { IncidentStore } from "../incident/ports.ts";
import type { Policy } from "../policy/index.ts";

/** Minimal structured logger (Powertools Logger satisfies it). */
export interface Log {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface BaseDeps {
  store: IncidentStore;
  alerter: Alerter;
  bus: EventPublisher;
  policy: Policy;
  log: Log;
  /** Dry run from the deployment's configuration (the policy can switch it on too). */
  dryRun: boolean;
  now?: () => Date;
  /** The evidence bucket's name, so that alerts name the real evidence location. */
  evidenceBucket?: string;
}

export const nowIso = (deps: Pick<BaseDeps, "now">) => (deps.now?.() ?? new Date()).toISOString();
