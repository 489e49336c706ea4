import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { describeAwsCalls } from "../../../shared/actions/describe.ts";
import type { AffectedResource, FindingSource, Tier } from "../../../shared/domain/types.ts";
import { parsePolicy } from "../../../shared/policy/yaml.ts";
import { choosePlan, NO_PLAYBOOK } from "../../../shared/triage/choose-playbook.ts";
import { aFinding, anImpact, anInstance } from "./builders.ts";

const defaultPolicyPath = fileURLToPath(new URL("../../../policy/default.yaml", import.meta.url));
const policy = parsePolicy(readFileSync(defaultPolicyPath, "utf8"), "default.yaml");

const AWS_PRODUCT = { arn: "arn:aws:securityhub:eu-west-1::product/aws/guardduty", aws: true };

function policyFrom(yaml: string) {
  return parsePolicy(yaml, "test.yaml");
}

describe("choosePlan", () => {
  describe("selects the default policy's playbook by source, type and tier", () => {
    const instance: AffectedResource = { kind: "ec2-instance", id: "i-0abc" };
    const cases: {
      source: FindingSource;
      type: string;
      tier: Tier;
      resources: AffectedResource[];
      playbook: string;
      actions: string[];
    }[] = [
      {
        source: "guardduty",
        type: "Backdoor:EC2/C&CActivity.B!DNS",
        tier: "critical",
        resources: [instance],
        playbook: "guardduty-ec2-critical-high",
        actions: [
          "contain-instance",
          "revoke-instance-credentials",
          "capture-snapshots",
          "collect-artifacts",
          "collect-user-data",
          "launch-cleanroom",
          "notify",
        ],
      },
      {
        source: "guardduty",
        type: "UnauthorizedAccess:EC2/SSHBruteForce",
        tier: "high",
        resources: [instance],
        playbook: "guardduty-ec2-critical-high",
        actions: [
          "contain-instance",
          "revoke-instance-credentials",
          "capture-snapshots",
          "collect-artifacts",
          "collect-user-data",
          "launch-cleanroom",
          "notify",
        ],
      },
      {
        source: "guardduty",
        type: "UnauthorizedAccess:EC2/SSHBruteForce",
        tier: "medium",
        resources: [instance],
        playbook: "guardduty-ec2-medium",
        actions: [
          "contain-instance",
          "revoke-instance-credentials",
          "capture-snapshots",
          "collect-artifacts",
          "collect-user-data",
          "notify",
        ],
      },
      {
        source: "guardduty",
        type: "Recon:EC2/PortProbeUnprotectedPort",
        tier: "low",
        resources: [instance],
        playbook: "guardduty-ec2-low",
        actions: ["capture-snapshots", "collect-artifacts", "collect-user-data", "notify"],
      },
      {
        source: "guardduty",
        type: "Stealth:IAMUser/LoggingConfigurationModified",
        tier: "critical",
        resources: [{ kind: "iam-user", id: "alice" }],
        playbook: "guardduty-iam-high",
        actions: ["contain-principal", "collect-artifacts", "notify"],
      },
      {
        source: "guardduty",
        type: "PenTest:S3/KaliLinux",
        tier: "high",
        resources: [{ kind: "s3-bucket", id: "bucket" }],
        playbook: "guardduty-non-ec2-alert",
        actions: ["notify"],
      },
      {
        source: "securityhub",
        type: "TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce",
        tier: "high",
        resources: [instance],
        playbook: "securityhub-ec2-high",
        actions: [
          "contain-instance",
          "revoke-instance-credentials",
          "capture-snapshots",
          "collect-artifacts",
          "collect-user-data",
          "launch-cleanroom",
          "notify",
        ],
      },
      {
        source: "securityhub",
        type: "TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce",
        tier: "medium",
        resources: [instance],
        playbook: "default-alert-only",
        actions: ["notify"],
      },
      {
        source: "cloudtrail",
        type: "cloudtrail:AuthorizeSecurityGroupIngress",
        tier: "high",
        resources: [{ kind: "security-group", id: "sg-123" }],
        playbook: "cloudtrail-risky-call",
        actions: ["notify"],
      },
      {
        source: "cloudtrail",
        type: "cloudtrail:ModifyInstanceAttribute/UserData",
        tier: "medium",
        resources: [instance],
        playbook: "cloudtrail-instance-userdata",
        actions: ["capture-snapshots", "collect-artifacts", "collect-user-data", "notify"],
      },
      {
        source: "cloudtrail",
        type: "cloudtrail:StopLogging",
        tier: "critical",
        resources: [{ kind: "cloudtrail-trail", id: "main" }],
        playbook: "default-alert-only",
        actions: ["notify"],
      },
      {
        source: "config",
        type: "config:ec2-instance-no-public-ip",
        tier: "medium",
        resources: [instance],
        playbook: "config-noncompliant-instance",
        actions: ["notify", "collect-artifacts"],
      },
      {
        source: "alarm",
        type: "alarm:HighCPU",
        tier: "critical",
        resources: [instance],
        playbook: "default-alert-only",
        actions: ["notify"],
      },
    ];

    it.each(cases)(
      "picks $playbook for $source $type at $tier",
      ({ source, type, tier, resources, ...want }) => {
        // Arrange: Security Hub findings from AWS's own products (others wait for approval)
        const finding = aFinding({
          source,
          type,
          resources,
          ...(source === "securityhub" ? { product: AWS_PRODUCT } : {}),
        });
        const contexts = resources.map((r) => anInstance({ id: r.id, resource: { kind: r.kind } }));

        // Act
        const plan = choosePlan({
          finding,
          impact: anImpact({ tier }),
          contexts,
          policy,
        });

        // Assert
        expect(plan.playbook).toBe(want.playbook);
        expect(plan.actions.map((a) => a.name)).toEqual(want.actions);
        expect(plan.notes).toEqual([]);
      },
    );
  });

  it("does not contain a protected instance and says why", () => {
    // Arrange
    const ctx = anInstance({ tags: { "incident-responder:protected": "true" } });

    // Act
    const plan = choosePlan({
      finding: aFinding(),
      impact: anImpact({ tier: "critical" }),
      contexts: [ctx],
      policy,
    });

    // Assert
    expect(plan.actions.map((a) => a.name)).toEqual([
      "capture-snapshots",
      "collect-artifacts",
      "collect-user-data",
      "launch-cleanroom",
      "notify",
    ]);
    expect(plan.notes).toEqual([
      "i-0abc is protected (tag incident-responder:protected=true): not contained",
      "contain-instance dropped: no instance left to contain",
      "revoke-instance-credentials dropped: it acts on the instances contain-instance contains, and none is left",
    ]);
  });

  it("neither contains nor stops a protected instance when the playbook stops instances", () => {
    // Arrange
    const stopping = policyFrom(`
version: 1
settings: { protectedIds: [i-0123456789abcdef0] }
playbooks:
  - name: stop-everything
    actions:
      - name: contain-instance
        params: { stopInstance: true }
`);
    const id = "i-0123456789abcdef0";

    // Act
    const plan = choosePlan({
      finding: aFinding({ resources: [{ kind: "ec2-instance", id }] }),
      impact: anImpact(),
      contexts: [anInstance({ id })],
      policy: stopping,
    });

    // Assert
    expect(plan.actions).toEqual([]);
    expect(plan.notes[0]).toBe(`${id} is protected (listed in protectedIds): not contained nor stopped`);
  });

  it.each([
    {
      ctx: anInstance({ exists: false, state: undefined }),
      note: "i-0abc not found (terminated or in another account): not contained",
    },
    { ctx: anInstance({ state: "terminated" }), note: "i-0abc is terminated: not contained" },
  ])("drops containment of a missing or terminated instance: $note", ({ ctx, note }) => {
    // Act
    const plan = choosePlan({
      finding: aFinding(),
      impact: anImpact({ tier: "high" }),
      contexts: [ctx],
      policy,
    });

    // Assert
    expect(plan.actions.map((a) => a.name)).not.toContain("contain-instance");
    expect(plan.notes).toContain(note);
  });

  it("drops snapshots and the clean room when no disk of the finding exists", () => {
    // Act
    const plan = choosePlan({
      finding: aFinding(),
      impact: anImpact({ tier: "critical" }),
      contexts: [anInstance({ state: "terminated" })],
      policy,
    });

    // Assert
    expect(plan.actions.map((a) => a.name)).toEqual(["collect-artifacts", "collect-user-data", "notify"]);
    expect(plan.notes).toContain(
      "capture-snapshots dropped: no instance or volume of the finding exists to take disks from",
    );
  });

  it("narrows containment to the instances that are not protected", () => {
    // Arrange
    const finding = aFinding({
      resources: [
        { kind: "ec2-instance", id: "i-1" },
        { kind: "ec2-instance", id: "i-2" },
      ],
    });
    const contexts = [
      anInstance({ id: "i-1", tags: { "incident-responder:protected": "true" } }),
      anInstance({ id: "i-2" }),
    ];

    // Act
    const plan = choosePlan({
      finding,
      impact: anImpact({ tier: "high" }),
      contexts,
      policy,
    });

    // Assert
    expect(plan.actions.find((a) => a.name === "contain-instance")?.targets).toEqual(["i-2"]);
    expect(plan.notes).toEqual(["i-1 is protected (tag incident-responder:protected=true): not contained"]);
  });

  it("drops the clean room for a tier outside the clean-room tiers", () => {
    // Arrange
    const strict = policyFrom(`
version: 1
settings: { cleanroom: { tiers: [critical] } }
playbooks:
  - name: all
    actions: [{ name: launch-cleanroom }, { name: notify }]
`);

    // Act
    const plan = choosePlan({
      finding: aFinding(),
      impact: anImpact({ tier: "high" }),
      contexts: [anInstance()],
      policy: strict,
    });

    // Assert
    expect(plan.actions.map((a) => a.name)).toEqual(["notify"]);
    expect(plan.notes).toEqual([
      "launch-cleanroom dropped: tier high is not among cleanroom tiers (critical)",
    ]);
  });

  it("alerts only when no playbook matches", () => {
    // Arrange
    const narrow = policyFrom(`
version: 1
playbooks:
  - name: config-only
    match: { source: config }
    actions: [{ name: notify }, { name: collect-artifacts }]
`);

    // Act
    const plan = choosePlan({
      finding: aFinding(),
      impact: anImpact(),
      contexts: [anInstance()],
      policy: narrow,
    });

    // Assert
    expect(plan).toEqual({
      playbook: NO_PLAYBOOK,
      actions: [{ name: "notify", params: {}, requiresApproval: false }],
      notes: ["no playbook matched: alert only"],
    });
  });

  it("matches playbooks on tags and minimum severity", () => {
    // Arrange
    const tagged = policyFrom(`
version: 1
playbooks:
  - name: prod-severe
    match: { tags: { Environment: [prod*, live] }, minSeverity: 7 }
    actions: [{ name: contain-instance }]
  - name: rest
    actions: [{ name: notify }]
`);
    const prod = anInstance({ tags: { environment: "Production" } });

    // Act
    const severe = choosePlan({
      finding: aFinding({ severity: 7 }),
      impact: anImpact(),
      contexts: [prod],
      policy: tagged,
    });
    const mild = choosePlan({
      finding: aFinding({ severity: 6.9 }),
      impact: anImpact(),
      contexts: [prod],
      policy: tagged,
    });

    // Assert
    expect(severe.playbook).toBe("prod-severe");
    expect(mild.playbook).toBe("rest");
  });

  it("gives each plan its own copy of the action parameters", () => {
    // Arrange
    const input = {
      finding: aFinding(),
      impact: anImpact({ tier: "high" as const }),
      contexts: [anInstance()],
      policy,
    };

    // Act
    const first = choosePlan({ ...input });
    first.actions[0]!.params.stopInstance = true;
    const second = choosePlan({ ...input });

    // Assert
    expect(second.actions[0]!.params.stopInstance).toBe(false);
  });
});

describe("describeAwsCalls", () => {
  it("lists containment calls per network interface", () => {
    // Arrange
    const ctx = anInstance({
      vpcId: "vpc-1",
      networkInterfaceIds: ["eni-1", "eni-2"],
      volumeIds: ["vol-1", "vol-2"],
      autoScalingGroup: "web-asg",
      exposure: {
        publicIps: ["54.1.2.3"],
        openIngress: [],
        instanceProfileArn: "arn:aws:iam::1:instance-profile/web",
      },
    });
    const plan = choosePlan({
      finding: aFinding(),
      impact: anImpact({ tier: "critical" }),
      contexts: [ctx],
      policy,
    });

    // Act
    const calls = describeAwsCalls(plan, [ctx]);

    // Assert
    expect(calls.map((c) => c.action)).toEqual(plan.actions.map((a) => a.name));
    // The planner's own calls (shared/containment/contain-plan.ts), on what triage read.
    const contain = calls.find((c) => c.action === "contain-instance")!.calls;
    const swap = (eni: string, group: string) =>
      `ec2:ModifyNetworkInterfaceAttribute NetworkInterfaceId=${eni} Groups=[<incident-responder-${group} of vpc-1>]`;
    expect(contain).toEqual(
      expect.arrayContaining([
        'ec2:ModifyInstanceAttribute InstanceId=i-0abc DisableApiTermination={"Value":true} (skipped if already enabled when containment starts)',
        'ec2:ModifyInstanceAttribute InstanceId=i-0abc BlockDeviceMappings=[{"DeviceName":"<device of vol-1>","Ebs":{"DeleteOnTermination":false}}] (skipped if DeleteOnTermination is already false when containment starts)',
        'ec2:ModifyInstanceAttribute InstanceId=i-0abc BlockDeviceMappings=[{"DeviceName":"<device of vol-2>","Ebs":{"DeleteOnTermination":false}}] (skipped if DeleteOnTermination is already false when containment starts)',
        swap("eni-1", "untracking"),
        swap("eni-2", "untracking"),
        swap("eni-1", "isolation"),
        swap("eni-2", "isolation"),
        "autoscaling:EnterStandby AutoScalingGroupName=web-asg InstanceIds=[i-0abc] ShouldDecrementDesiredCapacity=true (skipped if already done (its lifecycle state is read) when containment starts)",
        `ec2:ReplaceIamInstanceProfileAssociation AssociationId=<profile association of i-0abc> IamInstanceProfile={"Arn":"<isolation profile>"} (the deny-all isolation profile of the instance's account, when the responder has one there, in place of arn:aws:iam::1:instance-profile/web; no role or profile is edited)`,
        'ec2:CreateTags Resources=[i-0abc] Tags=[{"Key":"incident-responder:state","Value":"isolated"}] (after verification; isolation-incomplete when it fails)',
      ]),
    );
    // What only containment reads is said so: Elastic IPs among the public IPs, registrations.
    expect(contain).toContain(
      "ec2:DisassociateAddress for each of 54.1.2.3 that is an Elastic IP; ec2:ModifyNetworkInterfaceAttribute AssociatePublicIpAddress=false on the interface of one assigned at launch (DescribeAddresses tells which when containment starts)",
    );
    expect(contain.filter((c) => c.startsWith("elasticloadbalancing:DeregisterTargets"))).toEqual([
      "elasticloadbalancing:DeregisterTargets in each target group where DescribeTargetHealth shows the instance (the target groups and registrations are read when containment starts)",
    ]);
    // Every interface moves to the untracking group before any moves to the isolation group.
    const lastUntrack = contain.lastIndexOf(swap("eni-2", "untracking"));
    const firstIsolate = contain.indexOf(swap("eni-1", "isolation"));
    expect(lastUntrack).toBeGreaterThan(-1);
    expect(lastUntrack).toBeLessThan(firstIsolate);
    expect(contain.some((c) => c.startsWith("ec2:StopInstances"))).toBe(false);
    expect(calls.find((c) => c.action === "capture-snapshots")?.calls).toEqual([
      "ec2:CreateSnapshots i-0abc (crash-consistent: vol-1, vol-2; tagged with the incident id)",
      // Snapshots are locked by default (policy/default.yaml).
      "ec2:LockSnapshot (each snapshot of i-0abc: governance mode, 30 days)",
    ]);
    expect(calls.find((c) => c.action === "notify")?.calls).toEqual(["sns:Publish alert topic"]);
  });

  it("says every interface when the interfaces are unknown, and marks approval", () => {
    // Arrange
    const ctx = anInstance({ autoScalingGroup: "web-asg" });
    const plan = {
      playbook: "p",
      notes: [],
      actions: [
        {
          name: "contain-instance",
          params: { stopInstance: true, asgMode: "detach", stopProtection: false },
          requiresApproval: true,
        },
        {
          name: "capture-snapshots",
          params: { lock: { mode: "compliance", days: 30 } },
          requiresApproval: false,
        },
      ],
    };

    // Act
    const calls = describeAwsCalls(plan, [ctx]);

    // Assert
    const contain = calls[0]!.calls;
    expect(contain[0]).toBe("(waits for approval before any call)");
    expect(contain).toContain(
      "ec2:ModifyNetworkInterfaceAttribute NetworkInterfaceId=<every network interface of i-0abc> Groups=[<incident-responder-untracking of <VPC of i-0abc>>]",
    );
    expect(contain).toContain(
      "autoscaling:DetachInstances AutoScalingGroupName=web-asg InstanceIds=[i-0abc] ShouldDecrementDesiredCapacity=true (skipped if already done (its lifecycle state is read) when containment starts)",
    );
    expect(contain).toContain("ec2:StopInstances InstanceIds=[i-0abc]");
    expect(calls[1]!.calls).toEqual([
      "ec2:CreateSnapshots i-0abc (crash-consistent: every attached volume; tagged with the incident id)",
      "ec2:LockSnapshot (each snapshot of i-0abc: compliance mode, 30 days)",
    ]);
  });
});
