/**
 * What every action of the evidence lane shares: its capture step is sealed by the manifest
 * (written again over all the evidence when the action grows), and it needs the archive
 * (evidence objects and the manifest) and the signing of the manifest's digest.
 */
import type * as z from "zod";
import type { ModuleName } from "../iam/modules.ts";
import { MANIFEST_STEP } from "./step-names.ts";
import { type ActionDeclaration, type ActionDefinition, defineAction } from "./types.ts";

/** IAM modules every evidence action needs besides its own capture. */
export const EVIDENCE_PERMISSIONS: readonly ModuleName[] = ["archive", "manifestSigning"];

/** An evidence action as its file declares it: its own capture step and IAM modules. */
export type EvidenceActionDeclaration<N extends string, S extends z.ZodType> = Omit<
  ActionDeclaration<N, S>,
  "lane" | "steps" | "reopenOnGrowth" | "permissions"
> & {
  /** The step that captures it; the manifest step follows. */
  step: string;
  /** The IAM modules its capture needs (the archive's are added). */
  modules: readonly ModuleName[];
};

/** Declares an action of the evidence lane: its step then the manifest's, which it reopens when it grows. */
export function defineEvidenceAction<N extends string, S extends z.ZodType>(
  def: EvidenceActionDeclaration<N, S>,
): ActionDefinition<N, S> {
  const { step, modules, ...rest } = def;
  return defineAction({
    ...rest,
    lane: "evidence",
    steps: [step, MANIFEST_STEP],
    // New captures are sealed in a manifest written again over all the evidence.
    reopenOnGrowth: [MANIFEST_STEP],
    permissions: { evidence: [...modules, ...EVIDENCE_PERMISSIONS] },
  });
}
