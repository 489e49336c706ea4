/**
 * What the evidence lane needs for every capture it seals: the archive (evidence objects and
 * the manifest) and the signing of the manifest's digest.
 */
import type { ModuleName } from "../iam/modules.ts";

/** IAM modules every evidence action needs besides its own capture. */
export const EVIDENCE_PERMISSIONS: readonly ModuleName[] = ["archive", "manifestSigning"];
