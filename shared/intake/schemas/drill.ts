/**
 * Drill events: the responder's own source, wrapping another source's event.
 */
import * as z from "zod";
import { AccountIdSchema, EventIdSchema, IsoTimeSchema, JsonObjectSchema, RegionSchema } from "./common.ts";
import { RoutingSchema } from "./envelope.ts";

/** Drill scenario names: short identifiers such as `compromised-instance`. */
export const SCENARIO_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/** The drill's `detail`. */
export const DrillDetailSchema = z.object({
  scenario: z.string().max(128, { error: "must be a scenario name" }).regex(SCENARIO_PATTERN, {
    error: "must be a scenario name (letters, digits, . _ : / -)",
  }),
  event: JsonObjectSchema,
});

/**
 * A drill's envelope. Sent through EventBridge it has every envelope field; invoked by hand it
 * may carry only `source`, `detail-type` and `detail`, so the rest is optional (checked when present).
 */
export const DrillEnvelopeSchema = RoutingSchema.extend({
  version: z.string().max(16).optional(),
  id: EventIdSchema.optional(),
  account: AccountIdSchema.optional(),
  region: RegionSchema.optional(),
  time: IsoTimeSchema.optional(),
  resources: z.array(z.string().max(2048)).max(1000).optional(),
});
