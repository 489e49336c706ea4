/**
 * `responder report <incidentId> [--out DIR]` — writes DIR/<id>.md and DIR/<id>.html (a
 * self-contained page with an SVG timeline chart) from the incident record and, when it can
 * be read, the evidence manifest.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { s3Client } from "../../shared/aws/clients.ts";
import { describeError } from "../../shared/errors/index.ts";
import { readManifest } from "../../shared/evidence/manifest.ts";
import { INCIDENT_ID_PATTERN } from "../../shared/incident/model.ts";
import { connect } from "../connect.ts";
import { printJson, progress, text } from "../output.ts";
import { type ReportInput, renderHtml, renderMarkdown } from "../report/index.ts";
import { UsageError } from "./ingest.ts";

export async function reportCommand(args: {
  incidentId?: string;
  out?: string;
  json: boolean;
  stage?: string;
}): Promise<number> {
  if (!args.incidentId || !INCIDENT_ID_PATTERN.test(args.incidentId))
    throw new UsageError(
      `report needs an incident id like ir-20260101-0123abcd${args.incidentId ? `, not ${args.incidentId}` : ""}`,
    );
  const conn = await connect(args.stage);
  const incident = await conn.store.get(args.incidentId);
  const input: ReportInput = { incident, evidenceBucket: conn.resources.evidenceBucket };
  if (incident.evidence?.manifestKey) {
    try {
      const read = await readManifest(s3Client(conn.aws), conn.resources.evidenceBucket, incident.incidentId);
      if (read.kind === "found") {
        input.manifest = read.manifest;
        input.manifestStatus = read.intact
          ? `intact (SHA-256 ${read.manifest.manifestSha256} matches its content)`
          : "NOT intact: its SHA-256 does not match its content";
      } else
        input.manifestStatus =
          read.kind === "missing" ? "missing from the bucket" : `unreadable: ${read.reason}`;
    } catch (err) {
      input.manifestStatus = `could not be read: ${describeError(err)}`;
    }
  }
  const dir = resolve(args.out ?? ".");
  mkdirSync(dir, { recursive: true });
  const md = join(dir, `${incident.incidentId}.md`);
  const html = join(dir, `${incident.incidentId}.html`);
  writeFileSync(md, renderMarkdown(input));
  writeFileSync(html, renderHtml(input));
  if (args.json) printJson({ incidentId: incident.incidentId, markdown: md, html });
  else {
    progress(`manifest: ${text(input.manifestStatus ?? "not written")}`);
    console.log(md);
    console.log(html);
  }
  return 0;
}
