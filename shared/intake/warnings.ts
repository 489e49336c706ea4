/**
 * Lenient validation: what the response needs (the ids it acts on, the account, severity, type,
 * the finding's time) is validated strictly and a bad value rejects the event; a malformed
 * field the response does not need (a placeholder snapshot id in a request parameter, a
 * timestamp without `T`) becomes a warning carried on the finding, so that one odd field
 * never throws away a whole finding. Pure.
 */
import type { AffectedResource, ResourceKind } from "../domain/types.ts";
import { idProblem, type ResourceExtras, resource } from "./finding.ts";
import { IsoTimeSchema } from "./schemas/common.ts";
import { describeValue } from "./text.ts";

/** At most this many warnings are kept per finding; the last one says how many were left out. */
export const MAX_WARNINGS = 20;

/**
 * Resource kinds the response acts on (containment, snapshots, artifacts): their ids are
 * always validated strictly, so that an id that is not an id (an injection string, a
 * placeholder) never reaches an AWS call.
 */
export const ACTED_ON_KINDS: ReadonlySet<ResourceKind> = new Set(["ec2-instance", "ec2-volume"]);

/** The warnings of one event, as `path: message` lines. */
export class IntakeWarnings {
  readonly #items: string[] = [];
  #dropped = 0;

  /** Records that the field at `path` was malformed and what was done about it. */
  add(path: string, message: string): void {
    if (this.#items.length < MAX_WARNINGS) this.#items.push(path ? `${path}: ${message}` : message);
    else this.#dropped++;
  }

  /** The warnings recorded so far (a copy). */
  list(): string[] {
    return this.#dropped ? [...this.#items, `… and ${this.#dropped} more warnings`] : [...this.#items];
  }
}

/**
 * A resource named by the event, validated by its kind's grammar. Kinds the response acts on
 * ({@link ACTED_ON_KINDS}) are strict: a malformed id throws. Any other kind is only named
 * (in alerts, the record, the impact): a malformed id is left out of the resources, with a
 * warning.
 * @returns the resource in a one-element list, or an empty list when it was left out.
 * @throws InvalidEventError when a strict kind's id is malformed.
 */
export function namedResource(
  kind: ResourceKind,
  id: unknown,
  path: string,
  warnings: IntakeWarnings,
  extras: ResourceExtras = {},
): AffectedResource[] {
  const problem = ACTED_ON_KINDS.has(kind) ? undefined : idProblem(kind, id);
  if (problem === undefined) return [resource(kind, id, path, extras)];
  warnings.add(path, `${problem}; not named as an affected resource`);
  return [];
}

/**
 * A timestamp the finding may use, or undefined (with a warning) when it is not an ISO-8601
 * date-time: the caller then falls back to a time it can trust (the envelope's).
 */
export function lenientTime(value: unknown, path: string, warnings: IntakeWarnings): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && IsoTimeSchema.safeParse(value).success) return value;
  warnings.add(path, `must be an ISO-8601 date-time (got ${describeValue(value)}); not used`);
  return undefined;
}
