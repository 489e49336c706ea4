/**
 * `responder verify <incidentId>` — checks the archived evidence against what the responder
 * recorded when it sealed the incident: the pinned manifest version, its SHA-256 and its KMS
 * signature (from the incident record), then every artifact at its pinned version, re-hashed and
 * compared with the manifest and S3's checksums; and that nothing was written over the manifest
 * or any artifact since. Exit 1 on any mismatch, replacement, bad signature, missing item, or
 * artifact still awaiting restore from Glacier.
 */
import { kmsClient, s3Client } from "../../shared/aws/clients.ts";
import type { EvidencePin } from "../../shared/evidence/pin.ts";
import { kmsSignatureVerifier } from "../../shared/evidence/signature-check.ts";
import { verifyIncident } from "../../shared/evidence/verify.ts";
import { INCIDENT_ID_PATTERN, type IncidentRecord } from "../../shared/incident/model.ts";
import { connect } from "../connect.ts";
import { bold, dim, green, printJson, red, statusColour, table, text, yellow } from "../output.ts";
import { UsageError } from "./ingest.ts";

/** The pins of an incident record (empty when it was never sealed). */
export function pinOf(incident: IncidentRecord): EvidencePin {
  const e = incident.evidence ?? {};
  return {
    ...(e.manifestSha256 ? { manifestSha256: e.manifestSha256 } : {}),
    ...(e.manifestVersionId ? { manifestVersionId: e.manifestVersionId } : {}),
    ...(e.signature ? { signature: e.signature } : {}),
  };
}

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
  const incident = await conn.store.find(args.incidentId);
  const report = await verifyIncident(s3Client(conn.aws), {
    bucket: conn.resources.evidenceBucket,
    incidentId: args.incidentId,
    restore: args.restore,
    // Without a record there is nothing outside the bucket to compare with: the verdict fails.
    pin: incident ? pinOf(incident) : {},
    signatures: kmsSignatureVerifier(kmsClient(conn.aws), conn.resources.evidenceSigningKeyArn),
  });
  if (!incident) {
    report.ok = false;
    report.warnings.unshift(
      `no incident record for ${args.incidentId}: nothing the responder recorded vouches for this evidence`,
    );
  }
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
        `manifest ${text(report.manifest.key)} version ${text(report.manifest.versionId ?? "?")} (${report.manifest.pinned ?? "unpinned"}) ` +
          `sha256 ${text(report.manifest.manifestSha256 ?? "?")}: ${report.manifest.artifacts} artifacts, ${report.manifest.snapshots} snapshots`,
      ),
    );
    if (report.manifest.signature) {
      const sig = report.manifest.signature;
      const colour =
        sig.status === "valid" ? green : sig.status === "invalid" || sig.status === "error" ? red : yellow;
      console.log(`  signature ${colour(sig.status)}: ${dim(text(sig.detail))}`);
    }
  }
  console.log(
    table(
      report.items.map((i) => [`  ${text(i.name)}`, statusColour(i.status), dim(text(i.detail ?? "", 160))]),
    ),
  );
  for (const w of report.warnings) console.log(`  ${yellow("warning")}: ${text(w)}`);
  console.log(
    report.ok
      ? green("Verified: the sealed manifest and every artifact match what the responder recorded.")
      : red("NOT verified: see the items above."),
  );
  return report.ok ? 0 : 1;
}
