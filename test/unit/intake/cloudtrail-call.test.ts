/**
 * The helpers the catalogue's predicates share, on one CloudTrail call: resources named in the
 * request, trails by name or ARN, policy documents, and the predicate builders.
 */
import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import {
  account,
  accountOnly,
  always,
  bucket,
  type CloudTrailCall,
  identityType,
  param,
  paramResource,
  policyDocument,
  spec,
  trail,
  whenAny,
} from "../../../shared/intake/cloudtrail-call.ts";
import type { CloudTrailDetail } from "../../../shared/intake/schemas/cloudtrail.ts";
import { IntakeWarnings } from "../../../shared/intake/warnings.ts";

const ACCOUNT = "123456789012";

function aCall(params: Record<string, unknown>, detail: Partial<CloudTrailDetail> = {}): CloudTrailCall {
  return {
    detail: {
      eventID: "e",
      eventName: "X",
      eventSource: "x.amazonaws.com",
      eventTime: "t",
      ...detail,
    } as CloudTrailDetail,
    params,
    account: ACCOUNT,
    region: "eu-west-1",
    partition: "aws-us-gov",
    detailPath: "detail.event.detail",
    paramsPath: "detail.event.detail.requestParameters",
    warnings: new IntakeWarnings(),
    knownAccounts: new Set([ACCOUNT]),
  };
}

const where = { account: ACCOUNT, region: "eu-west-1" };

describe("spec", () => {
  it("makes a rule need parameters unless it says otherwise", () => {
    // Arrange
    const assess = () => null;

    // Act
    const [implicit, explicit] = spec([
      { id: "A", eventSource: "s", eventName: "A", severity: 1, title: "a", assess },
      { id: "B", eventSource: "s", eventName: "B", severity: 1, title: "b", assess, needsParameters: false },
    ]);

    // Assert
    expect(implicit?.needsParameters).toBe(true);
    expect(explicit?.needsParameters).toBe(false);
    expect(implicit?.id).toBe("A");
  });
});

describe("request resources", () => {
  it("names the call's account at the record's recipientAccountId", () => {
    // Act + Assert
    expect(account(aCall({}))).toStrictEqual({ kind: "aws-account", id: ACCOUNT });
  });

  it("reads a parameter", () => {
    // Act + Assert
    expect(param(aCall({ a: 1 }), "a")).toBe(1);
  });

  it("names a parameter's resource in the call's account and region", () => {
    // Act + Assert
    expect(
      paramResource(aCall({ groupId: "sg-0123456789abcdef0" }), "security-group", "groupId"),
    ).toStrictEqual([{ kind: "security-group", id: "sg-0123456789abcdef0", ...where }]);
  });

  it("leaves out a malformed parameter, warning at its path", () => {
    // Arrange
    const call = aCall({ groupId: "sg-1" });

    // Act
    const out = paramResource(call, "security-group", "groupId");

    // Assert
    expect(out).toStrictEqual([]);
    expect(call.warnings.list()).toStrictEqual([
      'detail.event.detail.requestParameters.groupId: must be a security group id (sg-…) (got "sg-1"); not named as an affected resource',
    ]);
  });

  it("rejects a malformed instance id at its path", () => {
    // Act + Assert
    expect(() => paramResource(aCall({ instanceId: "i-1" }), "ec2-instance", "instanceId")).toThrow(
      new InvalidEventError(
        'must be an EC2 instance id (i- and 8 or 17 hex digits) (got "i-1")',
        "detail.event.detail.requestParameters.instanceId",
      ),
    );
  });

  it("names a bucket with its ARN in the call's partition", () => {
    // Act + Assert
    expect(bucket(aCall({ bucketName: "logs" }))).toStrictEqual([
      { kind: "s3-bucket", id: "logs", arn: "arn:aws-us-gov:s3:::logs", ...where },
    ]);
  });

  it("names no bucket when its name is malformed", () => {
    // Act + Assert
    expect(bucket(aCall({ bucketName: "a b" }))).toStrictEqual([]);
  });

  it("names a trail given by name", () => {
    // Act + Assert
    expect(trail(aCall({ name: "org-trail" }), "name")).toStrictEqual([
      { kind: "cloudtrail-trail", id: "org-trail", ...where },
    ]);
  });

  it("names a trail given by ARN by the name after its last slash, keeping the ARN", () => {
    // Arrange
    const arn = `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/org-trail`;

    // Act + Assert
    expect(trail(aCall({ trailName: arn }), "trailName")).toStrictEqual([
      { kind: "cloudtrail-trail", id: "org-trail", arn, ...where },
    ]);
  });

  it("leaves out a malformed trail, warning at its parameter's path", () => {
    // Arrange
    const call = aCall({ name: "x" });

    // Act
    const out = trail(call, "name");

    // Assert
    expect(out).toStrictEqual([]);
    expect(call.warnings.list()).toStrictEqual([
      'detail.event.detail.requestParameters.name: must be a CloudTrail trail name (got "x"); not named as an affected resource',
    ]);
  });
});

describe("policyDocument", () => {
  it.each([
    ["an object", { Statement: [] }],
    ["a JSON string", '{"Statement":[]}'],
    ["a URL-encoded JSON string", "%7B%22Statement%22%3A%5B%5D%7D"],
  ])("reads %s", (_name, value) => {
    // Act + Assert
    expect(policyDocument(aCall({ policy: value }), "policy")).toStrictEqual({ Statement: [] });
  });

  it.each([
    ["text that is not JSON", "{"],
    ["a JSON list", "[]"],
    ["nothing", undefined],
  ])("rejects %s at its parameter's path", (_name, value) => {
    // Act + Assert
    expect(() => policyDocument(aCall({ policy: value }), "policy")).toThrow(
      new InvalidEventError(
        "must be a readable policy document",
        "detail.event.detail.requestParameters.policy",
      ),
    );
  });
});

describe("predicate builders", () => {
  it("always match with their resources and detail", () => {
    // Arrange
    const call = aCall({ name: "t" });
    const predicate = always(
      (c) => [account(c)],
      (c) => `detail of ${String(param(c, "name"))}`,
    );

    // Act + Assert
    expect(predicate(call)).toStrictEqual({
      resources: [{ kind: "aws-account", id: ACCOUNT }],
      detail: "detail of t",
    });
  });

  it("match when something is found, naming it, and not otherwise", () => {
    // Arrange
    const predicate = whenAny(
      (c) => (param(c, "hit") ? ["a", "b"] : []),
      (c) => [account(c)],
      (_c, found) => found.join("+"),
    );

    // Act
    const hit = predicate(aCall({ hit: true }));
    const miss = predicate(aCall({ hit: false }));

    // Assert
    expect(hit).toStrictEqual({ resources: [{ kind: "aws-account", id: ACCOUNT }], detail: "a+b" });
    expect(miss).toBeNull();
  });

  it("name the account only", () => {
    // Act + Assert
    expect(accountOnly("what happened")(aCall({}))).toStrictEqual({
      resources: [{ kind: "aws-account", id: ACCOUNT }],
      detail: "what happened",
    });
  });

  it("read the caller's identity type, if any", () => {
    // Act + Assert
    expect(identityType(aCall({}, { userIdentity: { type: "Root" } }))).toBe("Root");
    expect(identityType(aCall({}))).toBeUndefined();
  });
});
