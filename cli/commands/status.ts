/** `responder status [incidentId]` and `responder deadletters`. */
import { INCIDENT_ID_PATTERN } from "../../shared/incident/model.ts";
import { connect } from "../connect.ts";
import { bold, dim, incidentJson, incidentText, statusColour, table } from "../output.ts";
import { UsageError } from "./ingest.ts";

export async function statusCommand(args: {
  incidentId?: string;
  json: boolean;
  stage?: string;
}): Promise<number> {
  if (args.incidentId && !INCIDENT_ID_PATTERN.test(args.incidentId))
    throw new UsageError(`not an incident id: ${args.incidentId}`);
  const conn = await connect(args.stage);
  if (args.incidentId) {
    const incident = await conn.store.get(args.incidentId);
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ ...incidentJson(incident), timeline: incident.timeline })}\n`);
      return 0;
    }
    console.log(incidentText(incident));
    console.log(bold("Timeline"));
    console.log(
      table(
        incident.timeline.map((t) => [
          `  ${t.at}`,
          t.step,
          statusColour(t.status),
          dim(t.detail.slice(0, 100)),
          t.error ? t.error.slice(0, 60) : "",
        ]),
      ),
    );
    return 0;
  }
  const open = await conn.store.listOpen();
  if (args.json) {
    process.stdout.write(`${JSON.stringify(open.map(incidentJson))}\n`);
    return 0;
  }
  if (!open.length) {
    console.log("No open incidents.");
    return 0;
  }
  console.log(
    table([
      ["incident", "opened", "tier", "finding", "resource", "contain", "evidence"].map(bold),
      ...open.map((i) => [
        i.incidentId,
        i.createdAt,
        i.impact.tier,
        i.finding.type,
        i.finding.resources[0]?.id ?? "",
        statusColour(i.steps.contain?.status ?? "—"),
        statusColour(i.steps.manifest?.status ?? i.steps.snapshots?.status ?? "—"),
      ]),
    ]),
  );
  return 0;
}

export async function deadLettersCommand(args: { json: boolean; stage?: string }): Promise<number> {
  const conn = await connect(args.stage);
  const letters = await conn.store.listDeadLetters(100);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(letters)}\n`);
    return 0;
  }
  if (!letters.length) {
    console.log("No dead letters.");
    return 0;
  }
  console.log(
    table([
      ["at", "source", "detail-type", "error"].map(bold),
      ...letters.map((l) => [l.at, l.source ?? "?", l.detailType ?? "?", l.error.slice(0, 100)]),
    ]),
  );
  return 0;
}
