/**
 * CloudTrail records as EventBridge delivers them (detail-types
 * `AWS API Call via CloudTrail` and `AWS Console Sign In via CloudTrail`).
 * Only the fields intake reads are checked; `requestParameters` is judged by each rule.
 */
import * as z from "zod";
import { EventIdSchema, IsoTimeSchema, JsonObjectSchema, RegionSchema } from "./common.ts";

/** Who made the call. CloudTrail uses other values than account ids here (`ANONYMOUS_PRINCIPAL`), so they are loose. */
export const UserIdentitySchema = z.looseObject({
  type: z.string().max(64).optional(),
  principalId: z.string().max(512).optional(),
  arn: z.string().max(2048).optional(),
  accountId: z.string().max(64).optional(),
  accessKeyId: z.string().max(128).optional(),
  userName: z.string().max(256).optional(),
  invokedBy: z.string().max(256).optional(),
  sessionContext: z
    .looseObject({
      sessionIssuer: z
        .looseObject({
          type: z.string().max(64).optional(),
          userName: z.string().max(256).optional(),
          arn: z.string().max(2048).optional(),
        })
        .optional(),
    })
    .optional(),
});
export type UserIdentity = z.infer<typeof UserIdentitySchema>;

/** The CloudTrail record fields every rule may use. */
export const CloudTrailDetailSchema = z.object({
  eventID: EventIdSchema,
  eventName: z.string().regex(/^[A-Za-z0-9_]{1,128}$/, { error: "must be an API action name" }),
  eventSource: z
    .string()
    .max(128, { error: "must be a service endpoint such as ec2.amazonaws.com" })
    .regex(/^[a-z0-9-]{1,64}(\.[a-z0-9-]{1,64}){1,4}$/, {
      error: "must be a service endpoint such as ec2.amazonaws.com",
    }),
  eventTime: IsoTimeSchema,
  awsRegion: RegionSchema.optional(),
  recipientAccountId: z.string().optional(),
  userIdentity: UserIdentitySchema.optional(),
  requestParameters: JsonObjectSchema.nullable().optional(),
  responseElements: z.unknown().optional(),
  additionalEventData: JsonObjectSchema.nullable().optional(),
  errorCode: z.string().max(512).optional(),
  errorMessage: z.string().optional(),
  /** As the caller's client sent it (a claim): read only to say who seems to have made the call. */
  userAgent: z.unknown().optional(),
});
export type CloudTrailDetail = z.infer<typeof CloudTrailDetailSchema>;
