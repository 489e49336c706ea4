/**
 * What the containment and clean-room lanes record on an incident (`containment`, `cleanroom`),
 * schema first. The record comes back from the table as it was stored, unchecked: whoever relies
 * on these parts reads them through {@link containmentOf} and {@link cleanroomOf}, which parse
 * them, and a part that does not parse is an {@link InvalidRecordError} naming the field, never
 * a value read as something it is not.
 */
import * as z from "zod";
import { type PreIsolationState, PreIsolationStateSchema } from "../containment/record-schema.ts";
import { InvalidRecordError } from "../errors/index.ts";

export type { PreIsolationState };

/** What is still open after containment, per instance (`Verification` of shared/containment). */
export const VerificationSchema = z.object({ ok: z.boolean(), open: z.array(z.string()) });

/**
 * The containment record: the pre-isolation state of each instance (kept before its first
 * change, so before the step ends the record may hold only that), and what the step verified.
 */
export const ContainmentRecordSchema = z.object({
  /** By instance id: what release restores. */
  preIsolation: z.record(z.string(), PreIsolationStateSchema).optional(),
  /** Every instance verified isolated (or terminated). */
  verified: z.boolean().optional(),
  /** By instance id: what verification found still open. */
  verification: z.record(z.string(), VerificationSchema).optional(),
  /** When the containment step ended (ISO-8601). */
  containedAt: z.string().optional(),
  /**
   * By instance id: the connection-tracking cut and the role-credential statement written for
   * it (shared/credentials/lane.ts parses each with its own schema, `AccessRecordSchema`).
   */
  access: z.record(z.string(), z.unknown()).optional(),
});
export type ContainmentRecord = z.infer<typeof ContainmentRecordSchema>;

/** A stack found under the incident's predictable name that the responder did not create. */
export const SquattedStackSchema = z.object({
  stackName: z.string(),
  /** Its stack id, when it is a well-formed stack ARN. */
  stackId: z.string().optional(),
  /** Its status, when it is a well-formed status. */
  status: z.string().optional(),
  detectedAt: z.string(),
});
export type SquattedStack = z.infer<typeof SquattedStackSchema>;

/** What the clean-room lane records on the incident, as `cleanroom`. */
export const CleanroomRecordSchema = z.object({
  stackName: z.string(),
  /** The stack id CreateStack returned: the only stack the lane reads, moves or deletes. */
  stackId: z.string().optional(),
  /** Random, recorded before CreateStack and tagged on the stack (`incident-responder:launch-id`). */
  launchId: z.string().optional(),
  /** When the lane asked CloudFormation to create the stack. */
  createRequestedAt: z.string().optional(),
  status: z.string(),
  /** The outputs that passed their grammar checks (shared/cleanroom/trust.ts), never raw output text. */
  outputs: z.record(z.string(), z.string()),
  /** The Session Manager command, built from the validated instance id and region. */
  connect: z.string().optional(),
  /** The names of the outputs that failed their checks and were not kept. */
  untrustedOutputs: z.array(z.string()).optional(),
  expiresAt: z.string().optional(),
  snapshotIds: z.array(z.string()).optional(),
  /** Who asked, from the request recorded on the incident (the STS identity). */
  requestedBy: z.string().optional(),
  /** The recorded request the launch acted on. */
  requestId: z.string().optional(),
  readyAt: z.string().optional(),
  destroyedAt: z.string().optional(),
  /** Resources still there after the stack was deleted (the emulator leaves some). */
  leftovers: z.array(z.string()).optional(),
  /** Stacks that held the predictable name without the responder creating them (possible attack). */
  squatted: z.array(SquattedStackSchema).optional(),
});
export type CleanroomRecord = z.infer<typeof CleanroomRecordSchema>;

/** The parts of an incident these schemas read. */
interface WithParts {
  incidentId: string;
  containment?: unknown;
  cleanroom?: unknown;
}

/** Parses one part of an incident record; an {@link InvalidRecordError} naming the field when it does not parse. */
function parsePart<S extends z.ZodType>(
  incident: WithParts,
  field: "containment" | "cleanroom",
  schema: S,
): z.infer<S> | undefined {
  const value = incident[field];
  if (value === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = [field, ...(issue?.path ?? []).map(String)].join(".");
  throw new InvalidRecordError(
    `incident ${incident.incidentId}: ${issue?.message ?? "does not parse"}`,
    path,
    { cause: parsed.error },
  );
}

/** The incident's containment record, checked; undefined when it has none. */
export function containmentOf(incident: WithParts): ContainmentRecord | undefined {
  return parsePart(incident, "containment", ContainmentRecordSchema);
}

/** The incident's clean-room record, checked; undefined when it has none. */
export function cleanroomOf(incident: WithParts): CleanroomRecord | undefined {
  return parsePart(incident, "cleanroom", CleanroomRecordSchema);
}
