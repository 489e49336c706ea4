/**
 * CloudWatch alarm state changes: the EventBridge shape (`CloudWatch Alarm State Change`)
 * and the SNS notification shape that intake turns into it.
 */
import * as z from "zod";
import { AccountIdSchema, ArnSchema, FreeTextSchema } from "./common.ts";

const DimensionsSchema = z.record(z.string().max(255), z.string().max(1024));

/** `detail` of a `CloudWatch Alarm State Change` event (fields intake reads). */
export const AlarmDetailSchema = z.object({
  alarmName: z
    .string()
    .min(1, { error: "must be an alarm name" })
    .max(255, { error: "must be an alarm name" }),
  /** Not in AWS's own events (the ARN is in `resources`); set by `alarmNotificationToEvent`. */
  alarmArn: ArnSchema.optional(),
  state: z.object({
    value: z.string().max(32),
    reason: FreeTextSchema.optional(),
    timestamp: z.string().max(64).optional(),
  }),
  previousState: z.looseObject({ value: z.string().max(32).optional() }).optional(),
  configuration: z
    .looseObject({
      description: FreeTextSchema.nullable().optional(),
      metrics: z
        .array(
          z.looseObject({
            metricStat: z
              .looseObject({
                metric: z
                  .looseObject({
                    namespace: z.string().max(255).optional(),
                    name: z.string().max(255).optional(),
                    dimensions: DimensionsSchema.optional(),
                  })
                  .optional(),
              })
              .optional(),
          }),
        )
        .max(100)
        .optional(),
    })
    .optional(),
});
export type AlarmDetail = z.infer<typeof AlarmDetailSchema>;

const SnsDimensionListSchema = z
  .array(z.object({ name: z.string().max(255), value: z.string().max(1024) }))
  .max(30)
  .nullable()
  .optional();

/** A CloudWatch alarm notification as published to SNS (the JSON in the SNS `Message`). */
export const AlarmNotificationSchema = z.object({
  AlarmName: z
    .string()
    .min(1, { error: "must be an alarm name" })
    .max(255, { error: "must be an alarm name" }),
  AlarmDescription: FreeTextSchema.nullable().optional(),
  AWSAccountId: AccountIdSchema,
  NewStateValue: z.string().max(32),
  NewStateReason: FreeTextSchema.optional(),
  OldStateValue: z.string().max(32).optional(),
  StateChangeTime: z.string().max(64),
  AlarmArn: ArnSchema.optional(),
  Trigger: z
    .looseObject({
      MetricName: z.string().max(255).nullable().optional(),
      Namespace: z.string().max(255).nullable().optional(),
      Dimensions: SnsDimensionListSchema,
      Metrics: z
        .array(
          z.looseObject({
            MetricStat: z
              .looseObject({
                Metric: z
                  .looseObject({
                    Namespace: z.string().max(255).optional(),
                    MetricName: z.string().max(255).optional(),
                    Dimensions: SnsDimensionListSchema,
                  })
                  .optional(),
              })
              .optional(),
          }),
        )
        .max(100)
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
});
export type AlarmNotification = z.infer<typeof AlarmNotificationSchema>;
