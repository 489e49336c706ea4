/**
 * What a source handler receives and returns.
 */

import type { AccountTrust } from "./account.ts";
import type { FindingCore } from "./finding.ts";
import type { Envelope } from "./schemas/envelope.ts";
import type { IntakeWarnings } from "./warnings.ts";

/** Options with their defaults applied. */
export interface ResolvedOptions {
  minSeverity: number;
  includeFailedCalls: boolean;
  trust: AccountTrust;
}

/** One validated envelope on its way to a source handler. */
export interface IntakeContext {
  envelope: Envelope;
  /** Where the envelope sits in the incoming event: `""`, or `detail.event.` inside a drill. */
  prefix: string;
  /** True inside a drill: sample and archived findings are not ignored. */
  drill: boolean;
  options: ResolvedOptions;
  /** Malformed fields the response does not need: carried on the finding (`warnings.ts`). */
  warnings: IntakeWarnings;
}

/** A source handler's verdict; the router adds drill flags, the raw event and the severity floor. */
export type SourceResult = { kind: "finding"; finding: FindingCore } | { kind: "ignored"; reason: string };

/** Turns one validated envelope of a known source and detail-type into a verdict. */
export type SourceHandler = (ctx: IntakeContext) => SourceResult;

/** Shorthand for an `ignored` verdict. */
export function ignored(reason: string): SourceResult {
  return { kind: "ignored", reason };
}
