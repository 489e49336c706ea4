/**
 * `responder ingest <file|->` — puts an EventBridge event on the bus and waits until the
 * incident it causes has settled. Invalid input changes nothing (exit 2).
 */
import { readFileSync } from "node:fs";
import { eventsClient } from "../../shared/aws/clients.ts";
import type { IntakeResult } from "../../shared/domain/types.ts";
import { InvalidEventError } from "../../shared/errors/index.ts";
import { normalizeEvent } from "../../shared/intake/index.ts";
import { connect } from "../connect.ts";
import { putEvent } from "../drill/run.ts";
import { waitForIncidentOf, waitForSettled } from "../drill/watch.ts";
import { incidentJson, incidentText, printJson, progress, statusColour, text } from "../output.ts";
import { openInput } from "./event-input.ts";

export class UsageError extends Error {}

async function readInput(file: string): Promise<string> {
  if (file === "-") {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }
  return readFileSync(file, "utf8");
}

/** Reads an event from a file or stdin; undefined (after saying why) when it is not JSON. */
export async function readEvent(file: string | undefined, json: boolean): Promise<unknown> {
  if (!file) throw new UsageError("a file name, or - for standard input, is needed");
  const text = await readInput(file).catch((err: Error) => {
    throw new UsageError(`cannot read ${file}: ${err.message}`);
  });
  try {
    return JSON.parse(text);
  } catch (err) {
    invalid(json, new InvalidEventError(`not JSON: ${(err as Error).message}`));
    return undefined;
  }
}

/**
 * Reads and validates an event; says why when it is unusable. Returns the event and its
 * intake result, or the exit code (2 invalid input; nothing touches the account).
 */
export async function readAndNormalize(
  file: string | undefined,
  json: boolean,
): Promise<{ event: unknown; intake: IntakeResult; received: string[] } | number> {
  const input = await readEvent(file, json);
  if (input === undefined) return 2;
  try {
    // SNS deliveries are opened and bare records wrapped, each saying so (event-input.ts).
    const { event, notes, envelopeAccount } = openInput(input);
    if (!json) for (const n of notes) progress(text(n));
    return {
      event,
      intake: normalizeEvent(event, envelopeAccount ? { envelopeAccount } : {}),
      received: notes,
    };
  } catch (err) {
    if (err instanceof InvalidEventError) return invalid(json, err);
    throw err;
  }
}

/** Prints that an event is ignored on purpose, with the reason (and how the input was opened). */
export function reportIgnored(json: boolean, reason: string, received: string[] = []): number {
  if (json) printJson({ status: "ignored", reason, ...(received.length ? { received } : {}) });
  else console.log(`ignored: ${text(reason)}`);
  return 0;
}

export async function ingestCommand(args: {
  file?: string;
  json: boolean;
  timeoutSeconds: number;
  stage?: string;
}): Promise<number> {
  // Validate before anything touches the account: invalid input changes nothing.
  const read = await readAndNormalize(args.file, args.json);
  if (typeof read === "number") return read;
  const { event, intake, received } = read;
  const conn = await connect(args.stage);
  const e = event as Record<string, unknown>;
  await putEvent(eventsClient(conn.aws), e);
  if (intake.kind === "ignored") return reportIgnored(args.json, intake.reason, received);
  const f = intake.finding;
  if (!args.json)
    progress(
      `event sent: ${text(f.source)} ${text(f.type)} on ${f.resources.map((r) => text(r.id)).join(", ")}; waiting for the incident…`,
    );
  const timeoutMs = args.timeoutSeconds * 1000;
  const incidentId = await waitForIncidentOf(
    () => conn.store.incidentOfFinding(f.account, f.source, f.id, f.drill),
    timeoutMs,
  );
  if (!incidentId) {
    const msg = `no incident after ${args.timeoutSeconds} s: is the responder running (responder local up) on ${conn.aws.endpoint ?? conn.aws.region}?`;
    if (args.json) printJson({ status: "timeout", error: msg });
    else console.error(msg);
    return 1;
  }
  const { incident, settled } = await waitForSettled(conn.store, incidentId, {
    timeoutMs,
    ...(args.json
      ? {}
      : {
          onEntry: (t) =>
            progress(`  ${text(t.step).padEnd(10)} ${statusColour(t.status)}  ${text(t.detail, 110)}`),
        }),
  });
  // Alerts of the last stage are published right after the step ends: give them a moment.
  await new Promise((r) => setTimeout(r, 300));
  const final = await conn.store.get(incident.incidentId);
  const failed = Object.values(final.steps).some((s) => s.status === "failed");
  if (args.json) printJson({ ...incidentJson(final), settled });
  else console.log(incidentText(final));
  return settled && !failed ? 0 : 1;
}

function invalid(json: boolean, err: InvalidEventError): number {
  if (json) printJson({ status: "invalid", error: err.message, path: err.path });
  else
    console.error(`invalid event: ${text(err.message)}\nNothing was sent; nothing changed in the account.`);
  return 2;
}
