/**
 * Typed errors. Every error the responder raises on purpose extends {@link ResponderError}:
 * its name ends in `Error`, it may carry a `cause`, and it says whether a retry may help.
 */
export abstract class ResponderError extends Error {
  /** True when retrying the same operation later may succeed. */
  abstract readonly retryable: boolean;
  /** Short machine-readable code, stable across releases. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An incoming event that is not a valid event of any kind the responder accepts. */
export class InvalidEventError extends ResponderError {
  readonly retryable = false;
  readonly code = "INVALID_EVENT";
  /** Where in the event the problem is, e.g. `detail.resource.instanceDetails.instanceId`. */
  readonly path: string;
  constructor(message: string, path = "", options?: { cause?: unknown }) {
    super(path ? `${path}: ${message}` : message, options);
    this.path = path;
  }
}

/** Configuration missing or wrong; the process cannot run. */
export class ConfigError extends ResponderError {
  readonly retryable = false;
  readonly code = "CONFIG";
}

/** A policy file that does not validate. */
export class PolicyError extends ResponderError {
  readonly retryable = false;
  readonly code = "POLICY";
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(`${file}${line ? `:${line}` : ""}: ${message}`);
  }
}

/** An AWS API the endpoint (region or emulator) does not implement. */
export class UnsupportedError extends ResponderError {
  readonly retryable = false;
  readonly code = "UNSUPPORTED";
  constructor(
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation} is not supported by this endpoint`, options);
  }
}

/** An AWS call that failed; `retryable` follows the SDK's classification. */
export class AwsCallError extends ResponderError {
  readonly code = "AWS_CALL";
  constructor(
    readonly operation: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: ${message}`, options);
  }
}

/** The incident (or other record) does not exist. */
export class NotFoundError extends ResponderError {
  readonly retryable = false;
  readonly code = "NOT_FOUND";
}

/**
 * A stored record that is not what its schema says (a field missing, of another type…): never
 * read as something it is not. `field` names where, e.g. `cleanroom.outputs.VpcId`.
 */
export class InvalidRecordError extends ResponderError {
  readonly retryable = false;
  readonly code = "INVALID_RECORD";
  constructor(
    message: string,
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${message}`, options);
  }
}

/** A safety rail refused the operation (protected resource, drill scope, changed state…). */
export class RefusedError extends ResponderError {
  readonly retryable = false;
  readonly code = "REFUSED";
}

/** A record changed under the operation every time it looked (concurrent writers): try again later. */
export class ConflictError extends ResponderError {
  readonly retryable = true;
  readonly code = "CONFLICT";
}

/** The local emulator could not be started or reached. */
export class EmulatorError extends ResponderError {
  readonly retryable = false;
  readonly code = "EMULATOR";
}

/** Turns anything thrown into a short message, for records and alerts. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
