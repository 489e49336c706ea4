/**
 * S3 key layout of the evidence bucket:
 *
 * ```
 * incidents/<incidentId>/artifacts/<name>     one object per artifact
 * incidents/<incidentId>/manifest.json        written last, Object Lock retention
 * ```
 */
import type * as z from "zod";
import { InvalidEvidenceInputError } from "./errors.ts";
import { ArtifactNameSchema, IncidentIdSchema } from "./manifest-schema.ts";

function check(schema: z.ZodType<string>, value: unknown, field: string): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => i.message).join("; ");
    throw new InvalidEvidenceInputError(`${JSON.stringify(value)}: ${message}`, field);
  }
  return parsed.data;
}

/** Returns the incident id, or throws {@link InvalidEvidenceInputError}. */
export function validateIncidentId(incidentId: unknown): string {
  return check(IncidentIdSchema, incidentId, "incidentId");
}

/** Returns the artifact name, or throws {@link InvalidEvidenceInputError}. */
export function validateArtifactName(name: unknown): string {
  return check(ArtifactNameSchema, name, "name");
}

/** `incidents/<incidentId>/` */
export function incidentPrefix(incidentId: string): string {
  return `incidents/${validateIncidentId(incidentId)}/`;
}

/** `incidents/<incidentId>/artifacts/<name>` */
export function artifactKey(incidentId: string, name: string): string {
  return `${incidentPrefix(incidentId)}artifacts/${validateArtifactName(name)}`;
}

/** `incidents/<incidentId>/manifest.json` */
export function manifestKey(incidentId: string): string {
  return `${incidentPrefix(incidentId)}manifest.json`;
}
