/**
 * Classification of errors thrown by AWS SDK v3 clients, for every adapter.
 *
 * SDK errors are plain objects at heart: a `name` (the service's error code), sometimes a
 * `Code`, `$metadata.httpStatusCode`, `$retryable`, and a hidden `$response`. These helpers
 * read them defensively, so they accept anything that was thrown.
 */
import { AwsCallError, ResponderError, UnsupportedError } from "../errors/index.ts";

interface SdkErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $retryable?: { throttling?: boolean } | undefined;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
}

function shape(err: unknown): SdkErrorShape | undefined {
  return typeof err === "object" && err !== null ? (err as SdkErrorShape) : undefined;
}

/** Names that carry no information about the AWS error (generic JavaScript errors). */
const GENERIC_NAMES = new Set(["Error", "TypeError", "RangeError", "SyntaxError", "UnknownError"]);

/**
 * The AWS error code of an SDK error (`NoSuchKey`, `ThrottlingException`, `NotFound`…),
 * or `undefined` when the error carries none (network errors, deserialization failures).
 */
export function errorCode(err: unknown): string | undefined {
  const e = shape(err);
  if (!e) return undefined;
  if (typeof e.Code === "string" && e.Code) return e.Code;
  if (typeof e.code === "string" && e.code && !e.code.startsWith("ERR_")) return e.code;
  if (typeof e.name === "string" && e.name && !GENERIC_NAMES.has(e.name)) return e.name;
  return undefined;
}

/** The HTTP status of the response that produced the error, when there was one. */
export function httpStatus(err: unknown): number | undefined {
  const e = shape(err);
  return e?.$metadata?.httpStatusCode ?? e?.$response?.statusCode;
}

const NOT_IMPLEMENTED_CODES = new Set([
  "NotImplemented",
  "NotImplementedException",
  "NotImplementedError",
  "UnsupportedOperation",
  "UnsupportedOperationException",
]);

/**
 * True when the endpoint does not implement the operation: an explicit `NotImplemented`
 * code or HTTP 501, or an answer the SDK could not parse at all. The emulator (moto)
 * answers unimplemented actions with an HTML 500 page ("XML parse error"), and some
 * half-implemented ones with the wrong document (for example GetObjectRetention returns
 * the object itself): the SDK reports both as a "Deserialization error".
 */
export function isNotImplemented(err: unknown): boolean {
  const e = shape(err);
  if (!e) return false;
  const code = errorCode(err);
  if (code && NOT_IMPLEMENTED_CODES.has(code)) return true;
  const status = httpStatus(err);
  if (status === 501) return true;
  const message = typeof e.message === "string" ? e.message : "";
  if (message.includes("Deserialization error") || message.includes("XML parse error")) return true;
  const contentType = e.$response?.headers?.["content-type"] ?? "";
  return status === 500 && contentType.startsWith("text/html");
}

const THROTTLING_CODES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "LimitExceededException",
  "RequestThrottled",
  "SlowDown",
  "PriorRequestNotComplete",
  "EC2ThrottledException",
]);

/** True when AWS refused the call because of its rate (retry later with back-off). */
export function isThrottling(err: unknown): boolean {
  const e = shape(err);
  if (!e) return false;
  if (e.$retryable?.throttling === true) return true;
  const code = errorCode(err);
  if (code && THROTTLING_CODES.has(code)) return true;
  return httpStatus(err) === 429;
}

/** True when the object or resource does not exist (S3 `NoSuchKey`, HeadObject's bare 404…). */
export function isNotFound(err: unknown): boolean {
  const code = errorCode(err);
  if (code === "NoSuchKey" || code === "NotFound" || code === "NoSuchVersion") return true;
  return httpStatus(err) === 404 && code !== "NoSuchBucket";
}

/** True when a later retry of the same call may succeed (throttling, 5xx, network). */
/**
 * A failure worth trying again later: {@link isRetryable}, or any 5xx, even one whose body the
 * SDK could not read (an emulator's HTML error page is otherwise taken for "not implemented").
 */
export function isPassingFailure(err: unknown): boolean {
  return isRetryable(err) || (httpStatus(err) ?? 0) >= 500;
}

export function isRetryable(err: unknown): boolean {
  if (isNotImplemented(err)) return false;
  if (isThrottling(err)) return true;
  const e = shape(err);
  if (!e) return false;
  if (e.$retryable) return true;
  const status = httpStatus(err);
  if (status !== undefined) return status >= 500;
  // No response at all: a network failure or a timeout.
  const code = typeof e.code === "string" ? e.code : "";
  return (
    ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"].includes(code) ||
    e.name === "TimeoutError"
  );
}

/** One AWS call, its error turned into the responder's (`unsupported` where the endpoint cannot answer). */
export async function awsCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toAwsError(operation, err);
  }
}

/**
 * Wraps anything an SDK call threw into the responder's typed errors: {@link UnsupportedError}
 * when the endpoint lacks the operation, otherwise {@link AwsCallError} (retryable per
 * {@link isRetryable}). Responder errors pass through unchanged.
 */
export function toAwsError(operation: string, err: unknown): ResponderError {
  if (err instanceof ResponderError) return err;
  if (isNotImplemented(err)) return new UnsupportedError(operation, { cause: err });
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return new AwsCallError(operation, code ? `${code}: ${message}` : message, isRetryable(err), {
    cause: err,
  });
}
