/**
 * `responder verify <incidentId>` — reads every archived artifact back, recomputes its
 * SHA-256 and compares it with the manifest and S3's checksums. Exit 1 on any mismatch,
 * missing item, or artifact still awaiting restore from Glacier.
 */
import { s3Client } from "../../shared/aws/clients.ts";
import { verifyIncident } from "../../shared/evidence/verify.ts";
import { INCIDENT_ID_PATTERN } from "../../shared/incident/model.ts";
import { connect } from "../connect.ts";
import { bold, dim, green, printJson, red, statusColour, table, text } from "../output.ts";
import { UsageError } from "./ingest.ts";

export async function verifyCommand(args: {
  incidentId?: string;
  restore: boolean;
  json: boolean;
  stage?: string;
}): Promise<number> {
  if (!args.incidentId || !INCIDENT_ID_PATTERN.test(args.incidentId)) {
    throw new UsageError(
      `verify needs an incident id like ir-20260101-0123abcd${args.incidentId ? `, not ${args.incidentId}` : ""}`,
    );
  }
  const conn = await connect(args.stage);
  const report = await verifyIncident(s3Client(conn.aws), {
    bucket: conn.resources.evidenceBucket,
    incidentId: args.incidentId,
    restore: args.restore,
  });
  if (args.json) {
    printJson(report);
    return report.ok ? 0 : 1;
  }
  console.log(
    `${bold("Evidence of")} ${report.incidentId} in s3://${report.bucket}/incidents/${report.incidentId}/`,
  );
  if (report.manifest) {
    console.log(
      dim(
        `manifest ${text(report.manifest.key)} sha256 ${text(report.manifest.manifestSha256 ?? "?")}: ${report.manifest.artifacts} artifacts, ${report.manifest.snapshots} snapshots`,
      ),
    );
  }
  console.log(
    table(
      report.items.map((i) => [`  ${text(i.name)}`, statusColour(i.status), dim(text(i.detail ?? "", 100))]),
    ),
  );
  for (const w of report.warnings) console.log(`  warning: ${text(w)}`);
  console.log(
    report.ok
      ? green("Verified: every artifact matches its manifest hash.")
      : red("NOT verified: see the items above."),
  );
  return report.ok ? 0 : 1;
}
