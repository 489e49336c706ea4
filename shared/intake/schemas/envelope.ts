/**
 * The EventBridge envelope every incoming event must have.
 */
import * as z from "zod";
import { AccountIdSchema, EventIdSchema, IsoTimeSchema, JsonObjectSchema, RegionSchema } from "./common.ts";

/** The parts every event needs before it can be routed. */
export const RoutingSchema = z.object({
  source: z.string().min(1, { error: "must be a non-empty string" }).max(256, { error: "is too long" }),
  "detail-type": z
    .string()
    .min(1, { error: "must be a non-empty string" })
    .max(256, { error: "is too long" }),
  detail: JsonObjectSchema,
});

/** A complete EventBridge event, as delivered to a rule target. */
export const EnvelopeSchema = RoutingSchema.extend({
  version: z.string().max(16).optional(),
  id: EventIdSchema,
  account: AccountIdSchema,
  region: RegionSchema,
  time: IsoTimeSchema,
  resources: z.array(z.string().max(2048)).max(1000).optional(),
});

/** A validated EventBridge envelope; `detail` is checked later by the source's own schema. */
export type Envelope = z.infer<typeof EnvelopeSchema>;
