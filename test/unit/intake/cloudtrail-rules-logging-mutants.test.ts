/**
 * The logging and detection rules (cloudtrail-rules-logging.ts) word by word: each way an
 * UpdateTrail or PutEventSelectors call weakens a trail, how several are joined, the classic and
 * advanced selectors that still log management events, and the exact detail of the trail,
 * GuardDuty and KMS rules, all read from the finding's title.
 */
import { describe, expect, it } from "vitest";
import { cloudTrailCall, expectFinding, expectIgnored } from "./helpers.ts";

const CLOUDTRAIL = "cloudtrail.amazonaws.com";
const GUARDDUTY = "guardduty.amazonaws.com";

/** An UpdateTrail call on org-trail with the given changes. */
const updateTrail = (changes: Record<string, unknown>) =>
  cloudTrailCall(CLOUDTRAIL, "UpdateTrail", { name: "org-trail", ...changes });

/** A PutEventSelectors call on org-trail with the given selectors. */
const putSelectors = (selectors: Record<string, unknown>) =>
  cloudTrailCall(CLOUDTRAIL, "PutEventSelectors", { trailName: "org-trail", ...selectors });

/** An advanced field selector `field` equal to `values`. */
const field = (name: string, ...values: string[]) => ({ field: name, equals: values });

const SELECTORS_NOT_RISKY =
  'not risky: PutEventSelectors (cloudtrail.amazonaws.com) matches none of "CloudTrail event selectors reduce logging"';
const UPDATE_TRAIL_NOT_RISKY =
  'not risky: UpdateTrail (cloudtrail.amazonaws.com) matches none of "CloudTrail trail weakened"';

describe("UpdateTrail/Weakened", () => {
  it("names a trail that is no longer multi-region", () => {
    // Arrange
    const event = updateTrail({ isMultiRegionTrail: false });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe("CloudTrail trail weakened: no longer multi-region (by user alice)");
  });

  it("names global service events excluded", () => {
    // Arrange
    const event = updateTrail({ includeGlobalServiceEvents: false });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe("CloudTrail trail weakened: global service events excluded (by user alice)");
  });

  it("names log file validation disabled", () => {
    // Arrange
    const event = updateTrail({ enableLogFileValidation: false });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe("CloudTrail trail weakened: log file validation disabled (by user alice)");
  });

  it("names KMS encryption removed when the key id is emptied", () => {
    // Arrange
    const event = updateTrail({ kmsKeyId: "" });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe("CloudTrail trail weakened: KMS encryption removed (by user alice)");
  });

  it("names the bucket the logs are redirected to", () => {
    // Arrange
    const event = updateTrail({ s3BucketName: "attacker-logs" });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "CloudTrail trail weakened: logs redirected to bucket attacker-logs (by user alice)",
    );
  });

  it("lists every weakening of one call, in order, joined by semicolons", () => {
    // Arrange
    const event = updateTrail({
      s3BucketName: "attacker-logs",
      kmsKeyId: "",
      enableLogFileValidation: false,
      includeGlobalServiceEvents: false,
      isMultiRegionTrail: false,
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "CloudTrail trail weakened: no longer multi-region; global service events excluded; " +
        "log file validation disabled; KMS encryption removed; logs redirected to bucket attacker-logs " +
        "(by user alice)",
    );
  });

  it("ignores settings turned on and a KMS key set", () => {
    // Arrange
    const event = updateTrail({
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(UPDATE_TRAIL_NOT_RISKY);
  });
});

describe("PutEventSelectors/Weakened with classic selectors", () => {
  it("says management events are not fully logged when only read events are", () => {
    // Arrange
    const event = putSelectors({
      eventSelectors: [{ readWriteType: "ReadOnly", includeManagementEvents: true }],
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "CloudTrail event selectors reduce logging: management events not fully logged (read/write) (by user alice)",
    );
  });

  it("says management events are not fully logged when they are excluded, read and write alike", () => {
    // Arrange
    const event = putSelectors({
      eventSelectors: [{ readWriteType: "All", includeManagementEvents: false }],
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "CloudTrail event selectors reduce logging: management events not fully logged (read/write) (by user alice)",
    );
  });

  it("takes a selector without a read/write type as logging all management events", () => {
    // Arrange
    const event = putSelectors({ eventSelectors: [{ includeManagementEvents: true }] });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(SELECTORS_NOT_RISKY);
  });

  it("is satisfied when any one selector logs all management events", () => {
    // Arrange
    const event = putSelectors({
      eventSelectors: [
        { readWriteType: "All", includeManagementEvents: true },
        { readWriteType: "ReadOnly", includeManagementEvents: false, dataResources: [] },
      ],
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(SELECTORS_NOT_RISKY);
  });

  it("does not count a selector that is not an object as logging management events", () => {
    // Arrange
    const event = putSelectors({ eventSelectors: ["All"] });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "CloudTrail event selectors reduce logging: management events not fully logged (read/write) (by user alice)",
    );
  });

  it("names management event sources excluded by any selector", () => {
    // Arrange
    const event = putSelectors({
      eventSelectors: [
        {
          readWriteType: "All",
          includeManagementEvents: true,
          excludeManagementEventSources: ["kms.amazonaws.com"],
        },
        { readWriteType: "ReadOnly", includeManagementEvents: true },
      ],
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "CloudTrail event selectors reduce logging: management event sources excluded (by user alice)",
    );
  });

  it("lists both weakenings, joined by a semicolon", () => {
    // Arrange
    const event = putSelectors({
      eventSelectors: [
        {
          readWriteType: "WriteOnly",
          includeManagementEvents: true,
          excludeManagementEventSources: ["rdsdata.amazonaws.com"],
        },
      ],
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "CloudTrail event selectors reduce logging: management events not fully logged (read/write); " +
        "management event sources excluded (by user alice)",
    );
  });
});

describe("PutEventSelectors/Weakened with advanced selectors", () => {
  it("says no advanced selector logs management events when they select data events only", () => {
    // Arrange
    const event = putSelectors({
      advancedEventSelectors: [
        {
          name: "S3 objects",
          fieldSelectors: [field("eventCategory", "Data"), field("resources.type", "AWS::S3::Object")],
        },
      ],
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "CloudTrail event selectors reduce logging: no advanced selector logs management events (by user alice)",
    );
  });

  it("ignores advanced selectors that log management events", () => {
    // Arrange
    const event = putSelectors({
      advancedEventSelectors: [
        { name: "Management", fieldSelectors: [field("eventCategory", "Management")] },
      ],
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(SELECTORS_NOT_RISKY);
  });

  it("is satisfied when one advanced selector logs management events beside a data-event one", () => {
    // Arrange
    const event = putSelectors({
      advancedEventSelectors: [
        { name: "Management", fieldSelectors: [field("eventCategory", "Management")] },
        { name: "S3 objects", fieldSelectors: [field("eventCategory", "Data")] },
      ],
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(SELECTORS_NOT_RISKY);
  });

  it("says no advanced selector logs management events when the list is empty", () => {
    // Arrange
    const event = putSelectors({ advancedEventSelectors: [] });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "CloudTrail event selectors reduce logging: no advanced selector logs management events (by user alice)",
    );
  });

  it("skips advanced selectors and field selectors that are null", () => {
    // Arrange
    const event = putSelectors({
      advancedEventSelectors: [
        null,
        { name: "Management", fieldSelectors: [null, field("eventCategory", "Management")] },
      ],
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(SELECTORS_NOT_RISKY);
  });

  it("is satisfied by a management field selector beside a null one", () => {
    // Arrange
    const event = putSelectors({
      advancedEventSelectors: [
        { name: "Management", fieldSelectors: [field("eventCategory", "Management"), null] },
      ],
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(SELECTORS_NOT_RISKY);
  });

  it("counts Management only as the value of the eventCategory field", () => {
    // Arrange
    const event = putSelectors({
      advancedEventSelectors: [{ name: "odd", fieldSelectors: [field("eventName", "Management")] }],
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "CloudTrail event selectors reduce logging: no advanced selector logs management events (by user alice)",
    );
  });

  it("judges by the advanced selectors alone when both kinds are given", () => {
    // Arrange
    const event = putSelectors({
      advancedEventSelectors: [{ name: "S3 objects", fieldSelectors: [field("eventCategory", "Data")] }],
      eventSelectors: [{ readWriteType: "All", includeManagementEvents: true }],
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "CloudTrail event selectors reduce logging: no advanced selector logs management events (by user alice)",
    );
  });
});

describe("the detail of the other logging rules", () => {
  it("names the deleted trail", () => {
    // Arrange
    const event = cloudTrailCall(CLOUDTRAIL, "DeleteTrail", { name: "org-trail" });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe("CloudTrail trail deleted: trail org-trail (by user alice)");
  });

  it("flags a detector disabled with the boolean false", () => {
    // Arrange
    const event = cloudTrailCall(GUARDDUTY, "UpdateDetector", {
      detectorId: "12abc34d567e8fa901bc2d34e56789f0",
      enable: false,
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe("GuardDuty detector disabled: detector set to enable=false (by user alice)");
  });

  it("flags a detector disabled with the string false", () => {
    // Arrange
    const event = cloudTrailCall(GUARDDUTY, "UpdateDetector", {
      detectorId: "12abc34d567e8fa901bc2d34e56789f0",
      enable: "false",
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe("GuardDuty detector disabled: detector set to enable=false (by user alice)");
  });

  it("ignores a detector enabled", () => {
    // Arrange
    const event = cloudTrailCall(GUARDDUTY, "UpdateDetector", {
      detectorId: "12abc34d567e8fa901bc2d34e56789f0",
      enable: true,
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(
      'not risky: UpdateDetector (guardduty.amazonaws.com) matches none of "GuardDuty detector disabled"',
    );
  });

  it("names the filter a CreateFilter makes auto-archive findings", () => {
    // Arrange
    const event = cloudTrailCall(GUARDDUTY, "CreateFilter", {
      name: "hide-everything",
      action: "ARCHIVE",
      findingCriteria: {},
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "GuardDuty suppression rule created: filter hide-everything auto-archives findings (by user alice)",
    );
  });

  it("names the filter an UpdateFilter makes auto-archive findings", () => {
    // Arrange
    const event = cloudTrailCall(GUARDDUTY, "UpdateFilter", {
      filterName: "hide-everything",
      action: "ARCHIVE",
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "GuardDuty suppression rule changed: filter hide-everything auto-archives findings (by user alice)",
    );
  });

  it("names the key scheduled for deletion and its waiting period", () => {
    // Arrange
    const event = cloudTrailCall("kms.amazonaws.com", "ScheduleKeyDeletion", {
      keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
      pendingWindowInDays: 7,
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "KMS key scheduled for deletion: key 1234abcd-12ab-34cd-56ef-1234567890ab in 7 days (by user alice)",
    );
  });

  it("writes a question mark for a key deletion without a waiting period", () => {
    // Arrange
    const event = cloudTrailCall("kms.amazonaws.com", "ScheduleKeyDeletion", {
      keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toBe(
      "KMS key scheduled for deletion: key 1234abcd-12ab-34cd-56ef-1234567890ab in ? days (by user alice)",
    );
  });
});

describe("PutEventSelectors/Weakened with advanced selectors that narrow management events", () => {
  it("flags a switch to read-only management events, as the classic readWriteType ReadOnly is", () => {
    const event = putSelectors({
      advancedEventSelectors: [
        {
          name: "Management reads",
          fieldSelectors: [field("eventCategory", "Management"), field("readOnly", "true")],
        },
      ],
    });

    const finding = expectFinding(event);

    expect(finding.title).toBe(
      "CloudTrail event selectors reduce logging: management events narrowed by readOnly in every advanced selector (by user alice)",
    );
  });

  it("names every narrowing field once, sorted, when every selector of management events narrows them", () => {
    const event = putSelectors({
      advancedEventSelectors: [
        {
          name: "Some sources",
          fieldSelectors: [
            field("eventCategory", "Management"),
            { field: "eventSource", notEquals: ["kms.amazonaws.com"] },
            field("readOnly", "false"),
          ],
        },
        { name: "Reads", fieldSelectors: [field("eventCategory", "Management"), field("readOnly", "true")] },
      ],
    });

    const finding = expectFinding(event);

    expect(finding.title).toBe(
      "CloudTrail event selectors reduce logging: management events narrowed by eventSource, readOnly in every advanced selector (by user alice)",
    );
  });

  it("is satisfied when one selector logs every management event beside narrowed ones", () => {
    const event = putSelectors({
      advancedEventSelectors: [
        { name: "Reads", fieldSelectors: [field("eventCategory", "Management"), field("readOnly", "true")] },
        { name: "All", fieldSelectors: [field("eventCategory", "Management")] },
      ],
    });

    expect(expectIgnored(event).reason).toBe(SELECTORS_NOT_RISKY);
  });
});

/** The account and the caller: what a rule that names the account only reports. */
const ACCOUNT_AND_CALLER = [
  { kind: "aws-account", id: "123456789012" },
  { kind: "iam-user", id: "alice", arn: "arn:aws:iam::123456789012:user/alice", account: "123456789012" },
  { kind: "iam-access-key", id: "AKIAEXAMPLEEXAMPLE01", account: "123456789012" },
];

/**
 * [eventSource, eventName, request parameters as CloudTrail records them, exact title] of the
 * rules that name the account only and say in words what the call switched off.
 */
const ACCOUNT_ONLY: [string, string, Record<string, unknown> | null, string][] = [
  [
    GUARDDUTY,
    "DeleteDetector",
    { detectorId: "12abc34d567e8fa901bc2d34e56789f0" },
    "GuardDuty detector deleted: GuardDuty disabled in this region (by user alice)",
  ],
  [
    GUARDDUTY,
    "DisassociateFromMasterAccount",
    { detectorId: "12abc34d567e8fa901bc2d34e56789f0" },
    "GuardDuty member left its administrator account: findings no longer reach the administrator account (by user alice)",
  ],
  [
    GUARDDUTY,
    "DisassociateFromAdministratorAccount",
    { detectorId: "12abc34d567e8fa901bc2d34e56789f0" },
    "GuardDuty member left its administrator account: findings no longer reach the administrator account (by user alice)",
  ],
  [
    GUARDDUTY,
    "CreateIPSet",
    {
      detectorId: "12abc34d567e8fa901bc2d34e56789f0",
      name: "trusted",
      format: "TXT",
      location: "https://s3.amazonaws.com/attacker-bucket/ips.txt",
      activate: true,
    },
    "GuardDuty trusted IP list created: GuardDuty will not report activity from the listed addresses (by user alice)",
  ],
  [
    "config.amazonaws.com",
    "DeleteConfigurationRecorder",
    { configurationRecorderName: "default" },
    "AWS Config recorder deleted: configuration changes are no longer recorded (by user alice)",
  ],
  [
    "config.amazonaws.com",
    "StopConfigurationRecorder",
    { configurationRecorderName: "default" },
    "AWS Config recorder stopped: configuration changes are no longer recorded (by user alice)",
  ],
  [
    "config.amazonaws.com",
    "DeleteDeliveryChannel",
    { deliveryChannelName: "default" },
    "AWS Config delivery channel deleted: configuration history is no longer delivered (by user alice)",
  ],
  [
    "securityhub.amazonaws.com",
    "DisableSecurityHub",
    null,
    "Security Hub disabled: Security Hub disabled in this region (by user alice)",
  ],
  [
    "organizations.amazonaws.com",
    "LeaveOrganization",
    null,
    "Account left its AWS Organization: organization guardrails (SCPs, delegated security services) no longer apply (by user alice)",
  ],
];

describe("detection and configuration recording switched off, naming the account", () => {
  it.each(ACCOUNT_ONLY)("says in the title what %s %s switches off", (source, name, params, title) => {
    // Arrange
    const event = cloudTrailCall(source, name, params);

    // Act
    const finding = expectFinding(event);

    // Assert
    expect({ title: finding.title, resources: finding.resources }).toStrictEqual({
      title,
      resources: ACCOUNT_AND_CALLER,
    });
  });

  it.each(ACCOUNT_ONLY)(
    "flags %s %s although CloudTrail recorded no request parameters",
    (source, name, _params, title) => {
      // Arrange
      const event = cloudTrailCall(source, name, null);

      // Act
      const finding = expectFinding(event);

      // Assert
      expect({ title: finding.title, resources: finding.resources }).toStrictEqual({
        title,
        resources: ACCOUNT_AND_CALLER,
      });
    },
  );
});
