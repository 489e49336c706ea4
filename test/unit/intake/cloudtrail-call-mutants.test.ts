/**
 * Where the call helpers point when an id is wrong: the account rejected at the record's
 * recipientAccountId, and a trail name with a slash that is not an ARN left out, not cut.
 */
import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { account, type CloudTrailCall, trail } from "../../../shared/intake/cloudtrail-call.ts";
import type { CloudTrailDetail } from "../../../shared/intake/schemas/cloudtrail.ts";
import { IntakeWarnings } from "../../../shared/intake/warnings.ts";

/** One call with `params`, touching `accountId`, as a rule sees it. */
function aCall(params: Record<string, unknown>, accountId = "123456789012"): CloudTrailCall {
  return {
    detail: {
      eventID: "e",
      eventName: "X",
      eventSource: "x.amazonaws.com",
      eventTime: "t",
    } as CloudTrailDetail,
    params,
    account: accountId,
    region: "eu-west-1",
    partition: "aws",
    detailPath: "detail.event.detail",
    paramsPath: "detail.event.detail.requestParameters",
    warnings: new IntakeWarnings(),
    knownAccounts: new Set([accountId]),
  };
}

describe("account", () => {
  it("rejects an account that is not an account id at the record's recipientAccountId", () => {
    // Arrange
    const call = aCall({}, "12345");

    // Act + Assert
    expect(() => account(call)).toThrow(
      new InvalidEventError(
        'must be a 12-digit AWS account id (got "12345")',
        "detail.event.detail.recipientAccountId",
      ),
    );
  });
});

describe("trail", () => {
  it("leaves out a trail name with a slash that is not an ARN, warning, rather than cutting it", () => {
    // Arrange
    const call = aCall({ name: "team/org-trail" });

    // Act
    const out = trail(call, "name");

    // Assert
    expect(out).toStrictEqual([]);
    expect(call.warnings.list()).toStrictEqual([
      'detail.event.detail.requestParameters.name: must be a CloudTrail trail name (got "team/org-trail"); not named as an affected resource',
    ]);
  });
});
