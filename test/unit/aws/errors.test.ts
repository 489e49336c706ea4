import { describe, expect, it } from "vitest";
import {
  errorCode,
  isNotFound,
  isNotImplemented,
  isRetryable,
  isThrottling,
  toAwsError,
} from "../../../shared/aws/errors.ts";
import { AwsCallError, NotFoundError, UnsupportedError } from "../../../shared/errors/index.ts";

/** An SDK-shaped service error. */
function sdkError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} (test)`), {
    name,
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

/** What the SDK throws for moto's HTML 500 page (an unimplemented action). */
const motoHtml500 = Object.assign(
  new Error(
    "@aws-sdk XML parse error: mismatched tags <html> and </title>.\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.",
  ),
  {
    $metadata: { httpStatusCode: 500 },
    $response: { statusCode: 500, headers: { "content-type": "text/html; charset=utf-8" } },
  },
);

/** What the SDK throws when moto answers GetObjectRetention with the object itself (HTTP 200). */
const motoWrongDocument = Object.assign(
  new Error(
    "@aws-sdk XML parse error: unexpected content.\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.",
  ),
  { $metadata: { httpStatusCode: 200 } },
);

describe("errorCode", () => {
  it("reads the service's code from an SDK error", () => {
    expect(errorCode(sdkError("NoSuchKey", 404))).toBe("NoSuchKey");
    expect(errorCode(Object.assign(new Error("x"), { Code: "InvalidObjectState" }))).toBe(
      "InvalidObjectState",
    );
  });

  it("is undefined for generic errors and non-errors", () => {
    expect(errorCode(new TypeError("x"))).toBeUndefined();
    expect(errorCode(motoHtml500)).toBeUndefined();
    expect(errorCode("boom")).toBeUndefined();
    expect(errorCode(undefined)).toBeUndefined();
  });
});

describe("isNotImplemented", () => {
  it("recognises the emulator's HTML 500 and unparseable answers", () => {
    expect(isNotImplemented(motoHtml500)).toBe(true);
    expect(isNotImplemented(motoWrongDocument)).toBe(true);
  });

  it("recognises explicit NotImplemented answers", () => {
    expect(isNotImplemented(sdkError("NotImplemented", 501))).toBe(true);
    expect(isNotImplemented(sdkError("UnsupportedOperation", 400))).toBe(true);
  });

  it("does not mistake ordinary failures for a missing API", () => {
    expect(isNotImplemented(sdkError("InternalError", 500))).toBe(false);
    expect(isNotImplemented(sdkError("AccessDenied", 403))).toBe(false);
    expect(isNotImplemented(new Error("socket hang up"))).toBe(false);
    expect(isNotImplemented(null)).toBe(false);
  });
});

describe("isThrottling", () => {
  it("recognises throttling by code, by the SDK's flag and by HTTP 429", () => {
    expect(isThrottling(sdkError("ThrottlingException", 400))).toBe(true);
    expect(isThrottling(sdkError("SlowDown", 503))).toBe(true);
    expect(isThrottling(sdkError("RequestLimitExceeded", 503))).toBe(true);
    expect(isThrottling(sdkError("Whatever", 400, { $retryable: { throttling: true } }))).toBe(true);
    expect(isThrottling(sdkError("TooMany", 429))).toBe(true);
  });

  it("is false for other errors", () => {
    expect(isThrottling(sdkError("AccessDenied", 403))).toBe(false);
    expect(isThrottling(new Error("x"))).toBe(false);
  });
});

describe("isNotFound and isRetryable", () => {
  it("treats NoSuchKey and HeadObject's bare 404 as not found, but not a missing bucket", () => {
    expect(isNotFound(sdkError("NoSuchKey", 404))).toBe(true);
    expect(isNotFound(sdkError("NotFound", 404))).toBe(true);
    expect(isNotFound(sdkError("NoSuchBucket", 404))).toBe(false);
  });

  it("retries throttling, 5xx and network failures, never a missing API", () => {
    expect(isRetryable(sdkError("ThrottlingException", 400))).toBe(true);
    expect(isRetryable(sdkError("InternalError", 500))).toBe(true);
    expect(isRetryable(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe(true);
    expect(isRetryable(sdkError("AccessDenied", 403))).toBe(false);
    expect(isRetryable(motoHtml500)).toBe(false);
  });
});

describe("toAwsError", () => {
  it("maps a missing API to UnsupportedError and anything else to AwsCallError, keeping the cause", () => {
    const unsupported = toAwsError("EC2:ModifySnapshotTier", motoHtml500);
    const throttled = toAwsError("S3:PutObject", sdkError("SlowDown", 503));

    expect(unsupported).toBeInstanceOf(UnsupportedError);
    expect(unsupported.cause).toBe(motoHtml500);
    expect(throttled).toBeInstanceOf(AwsCallError);
    expect(throttled).toMatchObject({ retryable: true, operation: "S3:PutObject" });
    expect(throttled.message).toContain("SlowDown");
  });

  it("passes responder errors through", () => {
    const err = new NotFoundError("no incident");

    expect(toAwsError("x", err)).toBe(err);
  });
});
