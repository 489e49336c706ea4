/**
 * The `principal-state` collector: for each IAM user or role a finding names (the same strict
 * reading as contain-principal, shared/principal/target.ts), its state as evidence — access keys
 * with their last use, attached and inline policies, groups, login profile, tags — archived as
 * `principal-state-<kind>-<name>.json` with its SHA-256 and listed in the manifest.
 *
 * The evidence and contain lanes run side by side, so the collector says which state is the one
 * before containment: it reads the principal first, then the incident record. If contain-principal
 * has recorded the principal by then, its record's `before` (written before its first change) is
 * that state; if not, containment had made no change before the read ended, and the state read is
 * the one before containment.
 */
import { createHash } from "node:crypto";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { Finding } from "../domain/types.ts";
import { readPrincipal } from "../principal/iam.ts";
import { type PrincipalState, PrincipalStateSchema } from "../principal/state-schema.ts";
import { type PrincipalTarget, principalTargets } from "../principal/target.ts";
import type { Collector } from "./artifacts.ts";

/** What the evidence lane calls to read a principal (shared/principal/iam.ts, read-only). */
export const PRINCIPAL_STATE_SOURCE =
  "iam:GetUser/GetRole, ListAccessKeys, GetAccessKeyLastUsed, ListAttached*Policies, List*Policies, ListGroupsForUser, GetLoginProfile, List*Tags";

/** The artifact name of a principal's state: IAM characters outside the archive's grammar are encoded. */
export function principalStateName(target: Pick<PrincipalTarget, "kind" | "name">): string {
  const plain = /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(target.name);
  const name = plain
    ? target.name
    : `${target.name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^[^A-Za-z0-9]/, "x")}-${createHash("sha256").update(target.name).digest("hex").slice(0, 8)}`;
  return `principal-state-${target.kind}-${name}.json`;
}

/**
 * The contain lane's record of a principal's state before its first change, from the incident
 * as stored now; undefined when it has recorded none (yet).
 */
export function recordedBefore(incident: unknown, target: PrincipalTarget): PrincipalState | undefined {
  const principals = (incident as { principalContainment?: { principals?: Record<string, unknown> } })
    ?.principalContainment?.principals;
  const before = (principals?.[`${target.kind}/${target.name}`] as { before?: unknown } | undefined)?.before;
  const parsed = PrincipalStateSchema.safeParse(before);
  return parsed.success ? parsed.data : undefined;
}

/** One collector per principal the finding names (none for a finding that names none). */
export function principalCollectors(
  finding: Pick<Finding, "account" | "type" | "resources">,
  iam: IAMClient,
  opts: {
    /** Reads the incident as stored now (after the principal was read). */
    incidentNow(): Promise<unknown>;
    now(): Date;
  },
): Collector[] {
  return principalTargets(finding).targets.map((target) => ({
    name: principalStateName(target),
    sourceApiCall: PRINCIPAL_STATE_SOURCE,
    collect: async () => {
      const state = await readPrincipal(iam, target);
      const collectedAt = opts.now().toISOString();
      if (!state) return { kind: "none", reason: `${target.kind} ${target.name} does not exist` };
      // Read after the principal: see the file's comment for why this order tells the state before.
      const recorded = recordedBefore(await opts.incidentNow(), target);
      const body = {
        principal: { kind: target.kind, name: target.name, account: target.account, arn: state.arn },
        collectedAt,
        stateWhenCollected: state,
        beforeContainment: recorded
          ? { source: "contain-principal's record, written before its first change", state: recorded }
          : { source: "this read: contain-principal had recorded no change when it ended", state },
      };
      return { kind: "content", body: `${JSON.stringify(body, null, 2)}\n`, contentType: "application/json" };
    },
  }));
}
