/**
 * The Lambda event SNS delivers to a subscribed function: `{Records: [{EventSource: "aws:sns",
 * Sns: {Message, MessageId, TopicArn, …}}]}`. Each record's `Message` is then read by
 * {@link unwrapSnsMessage}.
 */
import * as z from "zod";
import { ArnSchema } from "./schemas/common.ts";
import { parseOrThrow } from "./validate.ts";

/** One SNS record of a Lambda event (the fields the responder reads). */
export const SnsRecordSchema = z.object({
  EventSource: z.literal("aws:sns", { error: 'must be "aws:sns"' }),
  Sns: z.object({
    Message: z.string(),
    MessageId: z.string().max(128).optional(),
    TopicArn: ArnSchema.optional(),
    Subject: z.string().nullable().optional(),
    Timestamp: z.string().optional(),
    Type: z.string().optional(),
  }),
});

/** A Lambda SNS event: at least one record (SNS sends exactly one). */
export const SnsLambdaEventSchema = z.object({
  Records: z.array(SnsRecordSchema).min(1, { error: "must hold at least one SNS record" }).max(100),
});

export type SnsRecord = z.infer<typeof SnsRecordSchema>;

/**
 * The SNS records of a Lambda event.
 * @throws InvalidEventError (path `Records[0].Sns.Message`…) when the event is not an SNS delivery.
 */
export function snsRecords(event: unknown): SnsRecord[] {
  // No size check on the whole event: each message is checked when it is unwrapped, and SNS
  // allows messages as large as intake's own limit, so the envelope around one may exceed it.
  return parseOrThrow(SnsLambdaEventSchema, event, "").Records;
}

/** The region of a topic ARN (`arn:aws:sns:REGION:…`), if it has one. */
export function topicRegion(topicArn: string | undefined): string | undefined {
  return topicArn?.split(":")[3] || undefined;
}
