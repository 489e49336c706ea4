/**
 * Errors of the evidence archive. Both extend the responder's {@link ResponderError}.
 */
import { ResponderError } from "../errors/index.ts";

/** An archive or manifest request that is not valid (bad artifact name, incident id, record…). */
export class InvalidEvidenceInputError extends ResponderError {
  readonly retryable = false;
  readonly code = "INVALID_EVIDENCE_INPUT";
  constructor(
    message: string,
    /** The offending field, e.g. `name` or `artifacts[2].sha256`. */
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${message}`, options);
  }
}

/**
 * What was stored does not match what was sent or recorded: S3 acknowledged a checksum other
 * than the one computed while streaming, or a manifest names an artifact that is not there.
 */
export class EvidenceIntegrityError extends ResponderError {
  readonly code = "EVIDENCE_INTEGRITY";
  constructor(
    message: string,
    readonly key: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(`${key}: ${message}`, options);
  }
}
