/**
 * The plan's safety rails at their edges: instances not read, gone or going, role sessions,
 * disks to snapshot, clean-room tiers, credential revocation without containment, and
 * Security Hub findings from other products.
 */
import { describe, expect, it } from "vitest";
import type {
  AffectedResource,
  Finding,
  PlannedAction,
  ResourceContext,
} from "../../../shared/domain/types.ts";
import { parsePolicy } from "../../../shared/policy/yaml.ts";
import { choosePlan, followContainApproval, NO_PLAYBOOK } from "../../../shared/triage/choose-playbook.ts";
import { aFinding, anImpact, anInstance } from "./builders.ts";

const ID1 = "i-0111111111111111a";
const ID2 = "i-0222222222222222b";
const VOL = "vol-0123456789abcdef0";

const policyOf = (actions: string, settings = "{}") =>
  parsePolicy(
    `version: 1\nsettings: ${settings}\nplaybooks:\n  - name: all\n    actions: ${actions}\n`,
    "test.yaml",
  );
const instance = (id: string, o: Partial<AffectedResource> = {}): AffectedResource => ({
  kind: "ec2-instance",
  id,
  ...o,
});
const plan = (
  finding: Finding,
  contexts: ResourceContext[],
  policy: ReturnType<typeof policyOf>,
  tier = "high",
) => choosePlan({ finding, impact: anImpact({ tier: tier as "high" }), contexts, policy });
/** The planned action without its parameters (those are the playbook's, tested elsewhere). */
const withoutParams = (a: PlannedAction | undefined) => {
  const { params: _, ...rest } = a ?? { params: {} };
  return rest;
};

describe("the plan without a playbook", () => {
  it("is named so that a person reading it sees nothing matched", () => {
    expect(NO_PLAYBOOK).toBe("(no matching playbook)");
  });
});

describe("containment rails", () => {
  const contain = policyOf("[{ name: contain-instance }, { name: notify }]");
  const containStopping = policyOf("[{ name: contain-instance, params: { stopInstance: true } }]");

  it("contains only the instances read from the account, and says which were not", () => {
    // Arrange
    const finding = aFinding({ resources: [instance(ID1), instance(ID2)] });

    // Act
    const out = plan(finding, [anInstance({ id: ID2 })], contain);
    const stopping = plan(finding, [anInstance({ id: ID2 })], containStopping);

    // Assert
    expect(out.notes).toStrictEqual([`${ID1} was not read from the account: not contained`]);
    expect(withoutParams(out.actions[0])).toStrictEqual({
      name: "contain-instance",
      requiresApproval: false,
      targets: [ID2],
    });
    expect(stopping.notes).toStrictEqual([`${ID1} was not read from the account: not contained nor stopped`]);
  });

  it("drops containment when the finding names no instance, and says so", () => {
    // Act
    const out = plan(
      aFinding({ resources: [{ kind: "security-group", id: "sg-0123456789abcdef0" }] }),
      [],
      contain,
    );

    // Assert
    expect(out).toStrictEqual({
      playbook: "all",
      actions: [{ name: "notify", params: {}, requiresApproval: false }],
      notes: ["contain-instance dropped: no EC2 instance among the affected resources"],
    });
  });

  it("contains the instances of a finding that also names other resources, without a word about those", () => {
    // Arrange
    const finding = aFinding({
      resources: [{ kind: "security-group", id: "sg-0123456789abcdef0" }, instance(ID1)],
    });

    // Act
    const out = plan(finding, [anInstance({ id: ID1 })], contain);

    // Assert
    expect(out.notes).toStrictEqual([]);
    expect(out.actions[0]?.targets).toStrictEqual([ID1]);
  });

  it("does not contain an instance that is shutting down", () => {
    // Act
    const out = plan(
      aFinding({ resources: [instance(ID1)] }),
      [anInstance({ id: ID1, state: "shutting-down" })],
      containStopping,
    );

    // Assert
    expect(out.notes).toStrictEqual([
      `${ID1} is shutting-down: not contained nor stopped`,
      "contain-instance dropped: no instance left to contain",
    ]);
  });

  it("keeps the role each contained instance was named by, and only for instances named so", () => {
    // Arrange
    const role = "arn:aws:iam::111122223333:role/web";
    const finding = aFinding({ resources: [instance(ID1, { sessionOfRole: role }), instance(ID2)] });

    // Act
    const out = plan(finding, [anInstance({ id: ID1 }), anInstance({ id: ID2 })], contain);

    // Assert
    expect(withoutParams(out.actions[0])).toStrictEqual({
      name: "contain-instance",
      requiresApproval: false,
      targets: [ID1, ID2],
      sessionRoles: { [ID1]: role },
    });
  });

  it("keeps no role for an instance it does not contain", () => {
    // Arrange
    const finding = aFinding({
      resources: [instance(ID1, { sessionOfRole: "arn:aws:iam::111122223333:role/web" }), instance(ID2)],
    });
    const contexts = [anInstance({ id: ID1, state: "terminated" }), anInstance({ id: ID2 })];

    // Act
    const out = plan(finding, contexts, contain);

    // Assert
    expect(withoutParams(out.actions[0])).toStrictEqual({
      name: "contain-instance",
      requiresApproval: false,
      targets: [ID2],
    });
  });

  it("drops credential revocation listed before a containment that is dropped", () => {
    // Arrange
    const policy = policyOf(
      "[{ name: revoke-instance-credentials }, { name: contain-instance }, { name: notify }]",
      `{ protectedIds: [${ID1}] }`,
    );

    // Act
    const out = plan(aFinding({ resources: [instance(ID1)] }), [anInstance({ id: ID1 })], policy);

    // Assert
    expect(out.actions.map((a) => a.name)).toStrictEqual(["notify"]);
    expect(out.notes).toStrictEqual([
      `${ID1} is protected (listed in protectedIds): not contained`,
      "contain-instance dropped: no instance left to contain",
      "revoke-instance-credentials dropped: it acts on the instances contain-instance contains, and none is left",
    ]);
  });
});

describe("revoke-instance-credentials follows containment", () => {
  it("is left as it is when no containment is planned", () => {
    // Arrange
    const actions: PlannedAction[] = [
      { name: "revoke-instance-credentials", params: {}, requiresApproval: false },
    ];

    // Act
    followContainApproval(actions);

    // Assert
    expect(actions[0]?.requiresApproval).toBe(false);
  });
});

describe("disks to snapshot", () => {
  const capture = policyOf("[{ name: capture-snapshots }, { name: notify }]");
  const DROPPED = "capture-snapshots dropped: no instance or volume of the finding exists to take disks from";
  const names = (p: { actions: { name: string }[] }) => p.actions.map((a) => a.name);

  it("are missing when the finding's only volume was not found", () => {
    // Arrange
    const volume = { ...anInstance({ id: VOL, exists: false, state: undefined }) };
    volume.resource = { kind: "ec2-volume", id: VOL };

    // Act
    const out = plan(aFinding({ resources: [{ kind: "ec2-volume", id: VOL }] }), [volume], capture);

    // Assert
    expect(names(out)).toStrictEqual(["notify"]);
    expect(out.notes).toStrictEqual([DROPPED]);
  });

  it.each([
    { what: "not found", ctx: anInstance({ id: ID1, exists: false, state: undefined }) },
    { what: "shutting down", ctx: anInstance({ id: ID1, state: "shutting-down" }) },
  ])("are missing when the finding's only instance is $what", ({ ctx }) => {
    // Act
    const out = plan(aFinding({ resources: [instance(ID1)] }), [ctx], capture);

    // Assert
    expect(out.notes).toStrictEqual([DROPPED]);
  });

  it.each([
    {
      what: "one of the finding's instances still runs",
      resources: [instance(ID1), instance(ID2)],
      contexts: [anInstance({ id: ID1, state: "terminated" }), anInstance({ id: ID2 })],
    },
    { what: "the instance was not read", resources: [instance(ID1)], contexts: [] },
    {
      what: "the finding names no instance or volume",
      resources: [{ kind: "security-group" as const, id: "sg-0123456789abcdef0" }],
      contexts: [],
    },
  ])("are taken when $what", ({ resources, contexts }) => {
    // Act
    const out = plan(aFinding({ resources }), contexts, capture);

    // Assert
    expect(names(out)).toStrictEqual(["capture-snapshots", "notify"]);
    expect(out.notes).toStrictEqual([]);
  });
});

describe("clean-room tiers", () => {
  it.each([
    { tiers: "[]", note: "launch-cleanroom dropped: tier medium is not among cleanroom tiers (none)" },
    {
      tiers: "[critical, high]",
      note: "launch-cleanroom dropped: tier medium is not among cleanroom tiers (critical, high)",
    },
  ])("name the tiers $tiers when they drop the clean room", ({ tiers, note }) => {
    // Arrange
    const policy = policyOf(
      "[{ name: launch-cleanroom }, { name: notify }]",
      `{ cleanroom: { tiers: ${tiers} } }`,
    );

    // Act
    const out = plan(aFinding(), [anInstance()], policy, "medium");

    // Assert
    expect(out.notes).toStrictEqual([note]);
  });
});

describe("Security Hub findings from other products", () => {
  const hub = (product?: Finding["product"]) =>
    aFinding({ source: "securityhub", type: "securityhub:TTPs/x", ...(product ? { product } : {}) });
  const strict = "{ securityHub: { thirdPartyRequiresApproval: true } }";

  it("hold nothing when the plan only notifies", () => {
    // Act
    const out = plan(hub(), [anInstance()], policyOf("[{ name: notify }]", strict));

    // Assert
    expect(out).toStrictEqual({
      playbook: "all",
      actions: [{ name: "notify", params: {}, requiresApproval: false }],
      notes: [],
    });
  });

  it("say when the finding has no product, and speak of one action in the singular", () => {
    // Act
    const out = plan(
      hub(),
      [anInstance()],
      policyOf("[{ name: collect-artifacts }, { name: notify }]", strict),
    );

    // Assert
    expect(out.actions.map((a) => [a.name, a.requiresApproval])).toStrictEqual([
      ["collect-artifacts", true],
      ["notify", false],
    ]);
    expect(out.notes).toStrictEqual([
      "Security Hub finding from a product that is not AWS's own (no ProductArn): collect-artifacts requires approval (settings.securityHub.thirdPartyRequiresApproval)",
    ]);
  });

  it("quote at most 64 characters of the name the importer gave, and no name when it gave none", () => {
    // Arrange
    const arn = "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default";
    const policy = policyOf("[{ name: collect-artifacts }]", strict);

    // Act
    const long = plan(hub({ arn, name: `${"x".repeat(64)}TAIL`, aws: false }), [anInstance()], policy);
    const unnamed = plan(hub({ arn, aws: false }), [anInstance()], policy);

    // Assert
    expect(long.notes).toStrictEqual([
      `Security Hub finding from a product that is not AWS's own (${arn}, named "${"x".repeat(64)}" by its importer): collect-artifacts requires approval (settings.securityHub.thirdPartyRequiresApproval)`,
    ]);
    expect(unnamed.notes).toStrictEqual([
      `Security Hub finding from a product that is not AWS's own (${arn}): collect-artifacts requires approval (settings.securityHub.thirdPartyRequiresApproval)`,
    ]);
  });
});

describe("principal and bucket rails", () => {
  it("drops a bucket or principal containment with nothing of the finding's account to act on, and says so", () => {
    // Arrange
    const policy = policyOf("[{ name: contain-bucket }, { name: contain-principal }, { name: notify }]");
    const finding = aFinding({ resources: [instance(ID1)] });

    // Act
    const out = plan(finding, [anInstance({ id: ID1 })], policy);

    // Assert
    expect(out.actions.map((a) => a.name)).toStrictEqual(["notify"]);
    expect(out.notes).toStrictEqual([
      "contain-bucket dropped: no bucket of the finding's account among the affected resources",
      "contain-principal dropped: no IAM user or role of the finding's account among the affected resources",
    ]);
  });
});
