/**
 * The other ports of a lane test: an alerter and a bus that record what they were given, a
 * silent log, and the default policy.
 */
import type { AlertMessage } from "../../shared/alerts/message.ts";
import type { Alerter } from "../../shared/alerts/publisher.ts";
import { defaultPolicyFile } from "../../shared/config/index.ts";
import type { EventPublisher, ResponderEventType } from "../../shared/events/bus.ts";
import { loadPolicy } from "../../shared/policy/index.ts";
import type { Log } from "../../shared/workflow/deps.ts";

export class RecordingAlerter implements Alerter {
  readonly sent: AlertMessage[] = [];
  async publish(alert: AlertMessage): Promise<{ messageId?: string }> {
    this.sent.push(alert);
    return { messageId: `m-${this.sent.length}` };
  }
}

export class RecordingBus implements EventPublisher {
  readonly emitted: { detailType: ResponderEventType; detail: Record<string, unknown> }[] = [];
  async emit(detailType: ResponderEventType, detail: Record<string, unknown>): Promise<void> {
    this.emitted.push({ detailType, detail });
  }
}

export const silentLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

export const policy = loadPolicy(defaultPolicyFile());
