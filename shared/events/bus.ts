/**
 * The responder's own events on its event bus: how handlers hand work to each other.
 */
import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { AwsCallError } from "../errors/index.ts";

/** The `source` of every event the responder emits. */
export const RESPONDER_SOURCE = "incident-responder";
/** The `source` of drill events (sent to the default bus, like real findings). */
export const DRILL_SOURCE = "incident-responder.drill";

export type ResponderEventType =
  | "Incident Opened"
  | "Incident Escalated"
  | "Incident Approved"
  | "Incident Denied"
  | "Evidence Preserved"
  | "Evidence Continue"
  | "Clean Room Requested"
  | "Clean Room Destroy Requested";

/** Port: how handlers emit events. */
export interface EventPublisher {
  emit(detailType: ResponderEventType, detail: Record<string, unknown>): Promise<void>;
}

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly events: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async emit(detailType: ResponderEventType, detail: Record<string, unknown>): Promise<void> {
    const out = await this.events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.busName,
            Source: RESPONDER_SOURCE,
            DetailType: detailType,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    if (out.FailedEntryCount) {
      const e = out.Entries?.find((x) => x.ErrorCode);
      throw new AwsCallError("PutEvents", `${e?.ErrorCode}: ${e?.ErrorMessage}`, true);
    }
  }
}
