/**
 * `responder ingest <file|->` — puts an EventBridge event on the bus and waits until the
 * incident it causes has settled. Invalid input changes nothing (exit 2).
 */
import { readFileSync } from "node:fs";
import { eventsClient } from "../../shared/aws/clients.ts";
import { putEvent } from "../../shared/drill/run.ts";
import { waitForIncidentOf, waitForSettled } from "../../shared/drill/watch.ts";
import { InvalidEventError } from "../../shared/errors/index.ts";
import { normalizeEvent } from "../../shared/intake/index.ts";
import { connect } from "../connect.ts";
import { incidentJson, incidentText, progress, statusColour } from "../output.ts";

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

export async function ingestCommand(args: {
  file?: string;
  json: boolean;
  timeoutSeconds: number;
  stage?: string;
}): Promise<number> {
  const event = await readEvent(args.file, args.json);
  if (event === undefined) return 2;
  // Validate before anything touches the account: invalid input changes nothing.
  let intake: ReturnType<typeof normalizeEvent>;
  try {
    intake = normalizeEvent(event);
  } catch (err) {
    if (err instanceof InvalidEventError) return invalid(args.json, err);
    throw err;
  }
  const conn = await connect(args.stage);
  const e = event as Record<string, unknown>;
  await putEvent(eventsClient(conn.aws), e);
  if (intake.kind === "ignored") {
    const out = { status: "ignored", reason: intake.reason };
    if (args.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else console.log(`ignored: ${intake.reason}`);
    return 0;
  }
  const f = intake.finding;
  if (!args.json)
    progress(
      `event sent: ${f.source} ${f.type} on ${f.resources.map((r) => r.id).join(", ")}; waiting for the incident…`,
    );
  const timeoutMs = args.timeoutSeconds * 1000;
  const incidentId = await waitForIncidentOf(
    () => conn.store.incidentOfFinding(f.account, f.source, f.id),
    timeoutMs,
  );
  if (!incidentId) {
    const msg = `no incident after ${args.timeoutSeconds} s: is the responder running (responder local up) on ${conn.aws.endpoint ?? conn.aws.region}?`;
    if (args.json) process.stdout.write(`${JSON.stringify({ status: "timeout", error: msg })}\n`);
    else console.error(msg);
    return 1;
  }
  const { incident, settled } = await waitForSettled(conn.store, incidentId, {
    timeoutMs,
    ...(args.json
      ? {}
      : {
          onEntry: (t) =>
            progress(`  ${t.step.padEnd(10)} ${statusColour(t.status)}  ${t.detail.slice(0, 110)}`),
        }),
  });
  // Alerts of the last stage are published right after the step ends: give them a moment.
  await new Promise((r) => setTimeout(r, 300));
  const final = await conn.store.get(incident.incidentId);
  const failed = Object.values(final.steps).some((s) => s.status === "failed");
  if (args.json) process.stdout.write(`${JSON.stringify({ ...incidentJson(final), settled })}\n`);
  else console.log(incidentText(final));
  return settled && !failed ? 0 : 1;
}

function invalid(json: boolean, err: InvalidEventError): number {
  if (json)
    process.stdout.write(`${JSON.stringify({ status: "invalid", error: err.message, path: err.path })}\n`);
  else console.error(`invalid event: ${err.message}\nNothing was sent; nothing changed in the account.`);
  return 2;
}
