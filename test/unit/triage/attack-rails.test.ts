/**
 * Rails against being talked out of acting, or into acting too widely: protected instances
 * are recorded on the plan (never a quiet skip), a finding naming many instances waits for a
 * person, and so does a Security Hub finding from a product that is not AWS's own.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { describeAwsCalls } from "../../../shared/actions/describe.ts";
import type { AffectedResource, FindingProduct } from "../../../shared/domain/types.ts";
import { parsePolicy } from "../../../shared/policy/yaml.ts";
import { choosePlan } from "../../../shared/triage/choose-playbook.ts";
import { aFinding, anImpact, anInstance } from "./builders.ts";

const defaultYaml = readFileSync(
  fileURLToPath(new URL("../../../policy/default.yaml", import.meta.url)),
  "utf8",
);
const policy = parsePolicy(defaultYaml, "default.yaml");

const ID = "i-0123456789abcdef0";
const instances = (n: number): AffectedResource[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: "ec2-instance",
    id: `i-0123456789abcde${String(i).padStart(2, "0")}`,
  }));

describe("protected instances on the plan", () => {
  it("lists an instance protected by its ARN when the finding names the bare id", () => {
    // Arrange
    const listed = parsePolicy(
      defaultYaml.replace(
        "protectedIds: []",
        `protectedIds: ["arn:aws:ec2:eu-west-1:111122223333:instance/${ID}"]`,
      ),
      "listed.yaml",
    );
    const finding = aFinding({ resources: [{ kind: "ec2-instance", id: ID }] });

    // Act
    const plan = choosePlan({
      finding,
      impact: anImpact({ tier: "critical" }),
      contexts: [anInstance({ id: ID })],
      policy: listed,
    });

    // Assert
    expect(plan.actions.map((a) => a.name)).not.toContain("contain-instance");
    expect(plan.protected).toEqual([
      {
        id: ID,
        kind: "ec2-instance",
        reason: `${ID} is protected (listed in protectedIds)`,
        account: "111122223333",
        region: "eu-west-1",
      },
    ]);
    expect(plan.notes).toContain(`${ID} is protected (listed in protectedIds): not contained`);
  });

  it("does not protect the same id listed by an ARN of another account", () => {
    // Arrange
    const elsewhere = parsePolicy(
      defaultYaml.replace(
        "protectedIds: []",
        `protectedIds: ["arn:aws:ec2:eu-west-1:444455556666:instance/${ID}"]`,
      ),
      "elsewhere.yaml",
    );

    // Act
    const plan = choosePlan({
      finding: aFinding({ resources: [{ kind: "ec2-instance", id: ID }] }),
      impact: anImpact({ tier: "critical" }),
      contexts: [anInstance({ id: ID })],
      policy: elsewhere,
    });

    // Assert
    expect(plan.protected).toBeUndefined();
    expect(plan.actions.find((a) => a.name === "contain-instance")?.targets).toEqual([ID]);
  });

  it("contains an instance whose protection only the event claims, and says the claim was ignored", () => {
    // Arrange
    const claimed = { "incident-responder:protected": "true" };
    const ctx = anInstance({ resource: { tags: claimed }, tags: claimed, accountTags: {} });

    // Act
    const plan = choosePlan({
      finding: aFinding(),
      impact: anImpact({ tier: "critical" }),
      contexts: [ctx],
      policy,
    });

    // Assert
    expect(plan.protected).toBeUndefined();
    expect(plan.actions.find((a) => a.name === "contain-instance")?.targets).toEqual(["i-0abc"]);
    expect(plan.notes).toEqual([
      "i-0abc: the event says it is tagged incident-responder:protected=true but the account's tags do not: event tags never protect",
    ]);
  });

  it("lists nothing when the playbook does not contain", () => {
    // Act
    const plan = choosePlan({
      finding: aFinding(),
      impact: anImpact({ tier: "low" }),
      contexts: [anInstance({ accountTags: { "incident-responder:protected": "TRUE" } })],
      policy,
    });

    // Assert
    expect(plan.playbook).toBe("guardduty-ec2-low");
    expect(plan.protected).toBeUndefined();
  });
});

describe("maxInstancesPerFinding (default 5)", () => {
  it.each([
    { n: 5, approval: false },
    { n: 6, approval: true },
  ])("a finding naming $n instances: contain-instance requires approval=$approval", ({ n, approval }) => {
    // Arrange
    const resources = instances(n);
    const contexts = resources.map((r) => anInstance({ id: r.id }));

    // Act
    const plan = choosePlan({
      finding: aFinding({ resources }),
      impact: anImpact({ tier: "critical" }),
      contexts,
      policy,
    });
    const calls = describeAwsCalls(plan, contexts);

    // Assert
    const contain = plan.actions.find((a) => a.name === "contain-instance");
    expect(policy.settings.maxInstancesPerFinding).toBe(5);
    expect(contain?.targets).toHaveLength(n);
    expect(contain?.requiresApproval).toBe(approval);
    const note = `the finding names ${n} instances, more than maxInstancesPerFinding (5): contain-instance requires approval`;
    if (approval) expect(plan.notes).toEqual([note]);
    else expect(plan.notes).toEqual([]);
    expect(
      calls.find((c) => c.action === "contain-instance")?.calls[0] === "(waits for approval before any call)",
    ).toBe(approval);
  });

  it("counts every instance the finding names, protected ones too", () => {
    // Arrange
    const capped = parsePolicy(
      defaultYaml.replace("maxInstancesPerFinding: 5", "maxInstancesPerFinding: 2"),
      "capped.yaml",
    );
    const resources = instances(3);
    const contexts = resources.map((r, i) =>
      anInstance({ id: r.id, accountTags: i === 0 ? { "incident-responder:protected": "true" } : {} }),
    );

    // Act
    const plan = choosePlan({
      finding: aFinding({ resources }),
      impact: anImpact({ tier: "critical" }),
      contexts,
      policy: capped,
    });

    // Assert
    expect(capped.settings.maxInstancesPerFinding).toBe(2);
    expect(plan.actions.find((a) => a.name === "contain-instance")).toMatchObject({
      requiresApproval: true,
      targets: [resources[1]!.id, resources[2]!.id],
    });
    expect(plan.protected?.map((p) => p.id)).toEqual([resources[0]!.id]);
  });
});

describe("Security Hub findings from products that are not AWS's own", () => {
  const custom: FindingProduct = {
    arn: "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default",
    name: "Totally GuardDuty",
    company: "Amazon",
    aws: false,
  };
  const awsOwn: FindingProduct = { arn: "arn:aws:securityhub:eu-west-1::product/aws/guardduty", aws: true };
  const plan = (product: FindingProduct | undefined, p = policy) =>
    choosePlan({
      finding: aFinding({
        source: "securityhub",
        type: "securityhub:TTPs/x",
        ...(product ? { product } : {}),
      }),
      impact: anImpact({ tier: "critical" }),
      contexts: [anInstance()],
      policy: p,
    });

  it("makes every action but notify wait for approval, and says why", () => {
    // Act
    const third = plan(custom);

    // Assert
    expect(third.playbook).toBe("securityhub-ec2-high");
    expect(third.actions.map((a) => [a.name, a.requiresApproval])).toEqual([
      ["contain-instance", true],
      ["revoke-instance-credentials", true],
      ["capture-snapshots", true],
      ["collect-artifacts", true],
      ["collect-user-data", true],
      ["launch-cleanroom", true],
      ["notify", false],
    ]);
    expect(third.notes).toEqual([
      `Security Hub finding from a product that is not AWS's own (${custom.arn}, named "Totally GuardDuty" by its importer): contain-instance, revoke-instance-credentials, capture-snapshots, collect-artifacts, collect-user-data, launch-cleanroom require approval (settings.securityHub.thirdPartyRequiresApproval)`,
    ]);
  });

  it("treats a finding without a product as not AWS's own", () => {
    expect(plan(undefined).actions.find((a) => a.name === "contain-instance")?.requiresApproval).toBe(true);
  });

  it("lets AWS's own products act without approval", () => {
    // Act
    const own = plan(awsOwn);

    // Assert
    expect(own.actions.every((a) => !a.requiresApproval)).toBe(true);
    expect(own.notes).toEqual([]);
  });

  it("lets a policy turn the rule off", () => {
    // Arrange
    const trusting = parsePolicy(
      defaultYaml.replace("thirdPartyRequiresApproval: true", "thirdPartyRequiresApproval: false"),
      "trusting.yaml",
    );

    // Act
    const third = plan(custom, trusting);

    // Assert
    expect(trusting.settings.securityHub.thirdPartyRequiresApproval).toBe(false);
    expect(third.actions.every((a) => !a.requiresApproval)).toBe(true);
  });
});
