/**
 * Property tests: whatever comes in, intake returns a valid verdict or throws
 * InvalidEventError — nothing else, and never an internal error.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import {
  IntakeResultSchema,
  normalizeEvent,
  unwrapSnsMessage,
  wrapDrill,
} from "../../../shared/intake/index.ts";
import { garbage, type Mutation, mutate as mutateAt, mutations } from "../../support/fuzz.ts";
import { allFixturePaths, clone, cloudTrailCall, fixture } from "./helpers.ts";

/** Valid and malformed starting points: every fixture but the 240 KB one, some as drills, some synthetic calls. */
const BASES: unknown[] = (() => {
  const files = allFixturePaths().filter((f) => !f.includes("huge"));
  const events = files.map((f) => fixture(f));
  const drills = events.slice(0, 12).map((e, i) => wrapDrill(e, `prop-${i}`));
  const calls = [
    cloudTrailCall("s3.amazonaws.com", "PutBucketAcl", {
      bucketName: "b1",
      AccessControlPolicy: {
        AccessControlList: {
          Grant: [{ Grantee: { URI: "http://acs.amazonaws.com/groups/global/AllUsers" } }],
        },
      },
    }),
    cloudTrailCall("iam.amazonaws.com", "PutRolePolicy", {
      roleName: "r",
      policyDocument: '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
    }),
    unwrapSnsMessage(
      JSON.stringify({
        AlarmName: "cpu",
        AWSAccountId: "123456789012",
        NewStateValue: "ALARM",
        StateChangeTime: "2024-05-01T10:00:00.000+0000",
        AlarmArn: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:cpu",
        Trigger: { Dimensions: [{ name: "InstanceId", value: "i-0123456789abcdef0" }] },
      }),
    ),
  ];
  return [...events, ...drills, ...calls];
})();

const GARBAGE = garbage([
  "",
  "0.0.0.0/0",
  "i-0123abcd; rm -rf / #",
  "\u202eevil\u0000\ud83d",
  "arn:aws:iam::aws:policy/AdministratorAccess",
  "NON_COMPLIANT",
  "ALARM",
  "Root",
  "__proto__",
  -1,
  11,
  1e308,
  -0.5,
  8.9,
  true,
  [],
  {},
  { items: [] },
]);

const MUTATION = mutations({
  ops: ["delete", "null", "swapType", "stringify", "wrap", "nest"],
  values: GARBAGE,
  hugeSizes: [600, 5_000, 70_000, 300_000],
  addKeys: fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom("__proto__", "constructor", "Id", "errorCode"),
  ),
});

/** Applies one mutation to a copy-on-entry value; returns the new root. */
const mutate = (root: unknown, m: Mutation) => mutateAt(root, m, 400);

/** True when `text` contains a C0/C1 control or a bidi override. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
      return true;
  }
  return false;
}

const counts = { finding: 0, ignored: 0, invalid: 0 };

/** The property: a valid verdict, or InvalidEventError with a path, and never an internal error. */
function holds(event: unknown, options?: { minSeverity?: number; includeFailedCalls?: boolean }): void {
  let result: unknown;
  try {
    result = normalizeEvent(event, options);
  } catch (err) {
    if (!(err instanceof InvalidEventError)) throw new Error(`threw ${String(err)}`);
    if (err.message.includes("internal error")) throw err;
    expect(typeof err.path).toBe("string");
    counts.invalid++;
    return;
  }
  const parsed = IntakeResultSchema.safeParse(result);
  if (!parsed.success) throw new Error(`invalid result: ${parsed.error.message}`);
  if (parsed.data.kind === "finding") {
    counts.finding++;
    expect(hasControl(parsed.data.finding.title)).toBe(false);
    expect(parsed.data.finding.title.length).toBeLessThanOrEqual(512);
  } else {
    counts.ignored++;
  }
}

// CPU-bound: thousands of cases take seconds on a busy machine; only the verdicts are asserted, never the time.
describe("normalizeEvent under random and mutated input", { timeout: 120_000 }, () => {
  it("returns a valid verdict or throws InvalidEventError for 7,000 mutated events", () => {
    // Arrange
    const arb = fc.record({
      base: fc.nat({ max: BASES.length - 1 }),
      mutations: fc.array(MUTATION, { minLength: 1, maxLength: 4 }),
      drill: fc.boolean(),
      options: fc.record({
        minSeverity: fc.double({ min: -1, max: 11, noNaN: true }),
        includeFailedCalls: fc.boolean(),
      }),
    });

    // Act + Assert
    fc.assert(
      fc.property(arb, ({ base, mutations, drill, options }) => {
        let event = clone(BASES[base]);
        for (const m of mutations) event = mutate(event, m);
        holds(
          drill
            ? {
                source: "incident-responder.drill",
                "detail-type": "Incident Responder Drill",
                detail: { scenario: "p", event },
              }
            : event,
          options,
        );
      }),
      { numRuns: 7_000 },
    );
    // Mutations must leave enough events valid to exercise the handlers, not only the validators.
    expect(counts.finding).toBeGreaterThan(100);
    expect(counts.ignored).toBeGreaterThan(100);
    expect(counts.invalid).toBeGreaterThan(100);
  });

  it("returns a valid verdict or throws InvalidEventError for 2,000 random envelopes", () => {
    // Arrange
    const source = fc.constantFrom(
      "aws.guardduty",
      "aws.ec2",
      "aws.s3",
      "aws.signin",
      "aws.config",
      "aws.securityhub",
      "aws.cloudwatch",
      "incident-responder.alarm",
      "incident-responder.drill",
      "custom.app",
    );
    const detailType = fc.constantFrom(
      "GuardDuty Finding",
      "AWS API Call via CloudTrail",
      "AWS Console Sign In via CloudTrail",
      "Config Rules Compliance Change",
      "Security Hub Findings - Imported",
      "CloudWatch Alarm State Change",
      "Incident Responder Drill",
      "Something Else",
    );
    const arb = fc.record(
      {
        source,
        "detail-type": detailType,
        detail: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), GARBAGE, { maxKeys: 8 }), GARBAGE),
        id: fc.oneof(fc.uuid(), fc.string()),
        account: fc.oneof(fc.constant("123456789012"), fc.string({ maxLength: 14 })),
        region: fc.oneof(fc.constant("us-east-1"), fc.string({ maxLength: 12 })),
        time: fc.oneof(fc.constant("2024-01-01T00:00:00Z"), fc.string({ maxLength: 25 })),
      },
      { requiredKeys: ["source", "detail-type"] },
    );

    // Act + Assert
    fc.assert(
      fc.property(arb, (event) => holds(event)),
      { numRuns: 2_000 },
    );
  });

  it("returns a valid verdict or throws InvalidEventError for 1,500 arbitrary values", () => {
    // Arrange
    const arb = fc.anything({
      maxDepth: 4,
      withBigInt: true,
      withDate: true,
      withMap: true,
      withNullPrototype: true,
      withTypedArray: true,
    });

    // Act + Assert
    fc.assert(
      fc.property(arb, (value) => holds(value)),
      { numRuns: 1_500 },
    );
  });

  it("returns a valid verdict or throws InvalidEventError for 500 mutated SNS alarm messages", () => {
    // Arrange
    const alarm = {
      AlarmName: "cpu-high",
      AWSAccountId: "123456789012",
      NewStateValue: "ALARM",
      NewStateReason: "Threshold Crossed",
      StateChangeTime: "2024-05-01T10:00:00.000+0000",
      AlarmArn: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:cpu-high",
      Trigger: {
        MetricName: "CPUUtilization",
        Namespace: "AWS/EC2",
        Dimensions: [{ name: "InstanceId", value: "i-0123456789abcdef0" }],
      },
    };
    const arb = fc.array(MUTATION, { minLength: 1, maxLength: 3 });

    // Act + Assert
    fc.assert(
      fc.property(arb, (mutations) => {
        let message: unknown = clone(alarm);
        for (const m of mutations) message = mutate(message, m);
        let event: unknown;
        try {
          event = unwrapSnsMessage(JSON.stringify(message) ?? "");
        } catch (err) {
          if (!(err instanceof InvalidEventError)) throw err;
          return;
        }
        holds(event);
      }),
      { numRuns: 500 },
    );
  });
});
