/**
 * Drills: any supported event wrapped in the responder's own source, so that it is run
 * on purpose (sample and archived GuardDuty findings included) and marked `drill: true`.
 */
import { ID_PATTERNS, IsoTimeSchema } from "./schemas/common.ts";
import { DrillDetailSchema } from "./schemas/drill.ts";
import { parseOrThrow } from "./validate.ts";

/** EventBridge source of drill events. */
export const DRILL_SOURCE = "incident-responder.drill";
/** Detail-type of drill events. */
export const DRILL_DETAIL_TYPE = "Incident Responder Drill";

/** A drill event: the wrapped event and the scenario name. */
export type DrillEvent = {
  version: "0";
  id: string;
  source: typeof DRILL_SOURCE;
  "detail-type": typeof DRILL_DETAIL_TYPE;
  account?: string;
  region?: string;
  time?: string;
  resources: string[];
  detail: { scenario: string; event: Record<string, unknown> };
};

/** Options for {@link wrapDrill}. */
export interface WrapDrillOptions {
  /** Id of the drill event; default `drill-<inner id>`. */
  id?: string;
  /** Time of the drill event; default the inner event's time. */
  time?: string;
}

/**
 * Wraps an EventBridge event in a drill. Account, region and time are copied from the inner
 * event when they are valid, so the drill is a complete EventBridge event too.
 * @throws InvalidEventError when `scenario` is not a scenario name or `event` is not an object.
 */
export function wrapDrill(event: unknown, scenario: string, options: WrapDrillOptions = {}): DrillEvent {
  const detail = parseOrThrow(DrillDetailSchema, { scenario, event }, "detail.");
  const inner = detail.event;
  const pick = (key: string, pattern: RegExp) => {
    const v = inner[key];
    return typeof v === "string" && pattern.test(v) ? v : undefined;
  };
  const innerId = pick("id", ID_PATTERNS.eventId);
  const out: DrillEvent = {
    version: "0",
    id:
      options.id ??
      (innerId
        ? `drill-${innerId}`.slice(0, 128)
        : `drill-${detail.scenario}`.replace(/[^A-Za-z0-9._:-]/g, "-").slice(0, 128)),
    source: DRILL_SOURCE,
    "detail-type": DRILL_DETAIL_TYPE,
    resources: [],
    detail: { scenario: detail.scenario, event: event as Record<string, unknown> },
  };
  const account = pick("account", ID_PATTERNS.account);
  const region = pick("region", ID_PATTERNS.region);
  const innerTime = IsoTimeSchema.safeParse(inner.time);
  const time = options.time ?? (innerTime.success ? innerTime.data : undefined);
  if (account) out.account = account;
  if (region) out.region = region;
  if (time) out.time = time;
  return out;
}
