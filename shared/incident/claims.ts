/**
 * The step map of an incident record: a lane claims a step (conditionally, with a lease, so that
 * one worker at a time does it) and finishes it with its status, a timeline entry and its results;
 * a worker that gives its claim up writes only while the step is still running under that claim.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { StepStatus } from "../domain/types.ts";
import { incidentKey } from "./keys.ts";
import type { StepRecord, TimelineEntry } from "./model.ts";
import type { IncidentReader, StepClaims, StepEndExtra, StepProgress } from "./ports.ts";
import { type IncidentTable, now, type RecordCondition, written } from "./table.ts";

/** The lease of a claim when the caller names none. */
export const DEFAULT_LEASE_MS = 5 * 60_000;

/** DynamoDB implementation of {@link StepClaims}. */
export class DynamoStepClaims implements StepClaims {
  constructor(
    private readonly table: IncidentTable,
    private readonly reader: Pick<IncidentReader, "get">,
  ) {}

  claimStep(incidentId: string, step: string, leaseMs = DEFAULT_LEASE_MS, claim?: string): Promise<boolean> {
    const at = Date.now();
    const record: StepRecord = {
      status: "running",
      startedAt: new Date(at).toISOString(),
      attempts: 1,
      leaseUntil: at + leaseMs,
      ...(claim ? { claim } : {}),
    };
    // Claimable when never claimed, failed, or running under a lease that ran out.
    return written(
      this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: incidentKey(incidentId),
          UpdateExpression: "SET steps.#s = :r, updatedAt = :now",
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(steps.#s) OR steps.#s.#st = :failed OR (steps.#s.#st = :running AND steps.#s.leaseUntil < :at))",
          ExpressionAttributeNames: { "#s": step, "#st": "status" },
          ExpressionAttributeValues: {
            ":r": record,
            ":failed": "failed",
            ":running": "running",
            ":at": at,
            ":now": record.startedAt,
          },
        }),
      ),
    );
  }

  async finishStep(
    incidentId: string,
    step: string,
    status: StepStatus,
    detail: string,
    extra: StepEndExtra = {},
  ): Promise<boolean> {
    const incident = await this.reader.get(incidentId);
    const started = incident.steps[step]?.startedAt ?? now();
    const endedAt = now();
    const record: StepRecord = {
      status,
      startedAt: started,
      endedAt,
      detail,
      attempts: incident.steps[step]?.attempts ?? 1,
      ...(extra.error ? { error: extra.error } : {}),
    };
    const entry: TimelineEntry = {
      at: endedAt,
      step,
      status,
      detail,
      durationMs: Date.parse(endedAt) - Date.parse(started),
      ...(extra.error ? { error: extra.error } : {}),
    };
    const notes: TimelineEntry[] = (extra.notes ?? []).map((n) => ({ at: endedAt, ...n }));
    return this.table.update(
      incidentId,
      { [`steps.${step}`]: record, ...extra.set },
      [entry, ...notes],
      extra.actions,
      extra.claim ? underClaim(step, extra.claim) : undefined,
    );
  }

  progressStep(incidentId: string, step: string, claim: string, progress: StepProgress): Promise<boolean> {
    const at = now();
    return this.table.update(
      incidentId,
      { ...progress.set, ...(progress.release ? { [`steps.${step}.leaseUntil`]: 0 } : {}) },
      (progress.notes ?? []).map((n) => ({ at, ...n })),
      [],
      underClaim(step, claim),
    );
  }
}

/** The condition that a step is still running under a claim. */
function underClaim(step: string, claim: string): RecordCondition {
  return {
    expression: "steps.#cs.#cst = :crunning AND steps.#cs.#cc = :cclaim",
    names: { "#cs": step, "#cst": "status", "#cc": "claim" },
    values: { ":crunning": "running", ":cclaim": claim },
  };
}
