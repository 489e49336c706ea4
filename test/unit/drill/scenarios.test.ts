import { describe, expect, it } from "vitest";
import { SCENARIOS, scenario } from "../../../cli/drill/scenarios.ts";
import { normalizeEvent, wrapDrill } from "../../../shared/intake/index.ts";

const target = {
  instanceId: "i-0123456789abcdef0",
  account: "123456789012",
  region: "eu-west-1",
  groupId: "sg-0123456789abcdef0",
  credentials: { roleName: "demo-web-role", siblingId: "i-0fedcba9876543210" },
  user: {
    userName: "drill-ci-deployer",
    accessKeyId: "AKIAQEXAMPLEKEY00001",
    otherKeyIds: ["AKIAQEXAMPLEKEY00002"],
  },
};

/** The resource each scenario's finding must name: the target instance, group or user. */
const aimedAt = (name: string) =>
  name === "sg-open-world"
    ? "sg-0123456789abcdef0"
    : name === "iam-user-compromised"
      ? "drill-ci-deployer"
      : "i-0123456789abcdef0";

function findingOf(name: string) {
  const intake = normalizeEvent(wrapDrill(scenario(name).build(target) as never, name));
  if (intake.kind !== "finding") throw new Error(`${name}: ${intake.reason}`);
  return intake.finding;
}

describe("drill scenarios", () => {
  it("cover the incidents people rehearse", () => {
    expect(SCENARIOS.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        "crypto-mining",
        "c2",
        "ssh-brute-force",
        "dns-exfiltration",
        "sg-open-world",
        "config-noncompliant",
        "protected-instance",
        "credential-exfiltration",
        "iam-user-compromised",
      ]),
    );
  });

  it.each(SCENARIOS.map((s) => s.name))(
    "%s makes a drill finding aimed at the target, in its account",
    (name) => {
      const f = findingOf(name);

      expect(f.drill).toBe(true);
      expect(f.scenario).toBe(name);
      expect(f.account).toBe("123456789012");
      expect(f.region).toBe("eu-west-1");
      expect(f.resources.map((r) => r.id)).toContain(aimedAt(name));
    },
  );

  it("makes a fresh finding every time (one incident per run)", () => {
    for (const s of SCENARIOS) expect(findingOf(s.name).id, s.name).not.toBe(findingOf(s.name).id);
  });

  it("gives each its real type", () => {
    expect(findingOf("crypto-mining").type).toBe("CryptoCurrency:EC2/BitcoinTool.B!DNS");
    expect(findingOf("dns-exfiltration").type).toBe("Trojan:EC2/DNSDataExfiltration");
    expect(findingOf("ssh-brute-force").type).toBe("UnauthorizedAccess:EC2/SSHBruteForce");
    expect(findingOf("sg-open-world").type).toBe("cloudtrail:AuthorizeSecurityGroupIngress/OpenToWorld");
    expect(findingOf("config-noncompliant")).toMatchObject({
      type: "config:ec2-imdsv2-check",
      resources: [{ kind: "ec2-instance", id: "i-0123456789abcdef0" }],
    });
  });

  it("names the instance's role session in the credential finding, and never the sibling", () => {
    const f = findingOf("credential-exfiltration");

    expect(f.type).toBe("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS");
    expect(f.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "iam-role", id: "demo-web-role" }),
        expect.objectContaining({
          kind: "ec2-instance",
          id: "i-0123456789abcdef0",
          sessionOfRole: "demo-web-role",
        }),
      ]),
    );
    expect(JSON.stringify(f)).not.toContain("i-0fedcba9876543210");
  });

  it("names one key of the drill user in a high-severity IAM user finding", () => {
    const f = findingOf("iam-user-compromised");

    expect(f.type).toBe("UnauthorizedAccess:IAMUser/TorIPCaller");
    expect(f.severity).toBeGreaterThanOrEqual(7);
    expect(f.resources).toEqual([
      expect.objectContaining({ kind: "iam-access-key", id: "AKIAQEXAMPLEKEY00001" }),
      expect.objectContaining({ kind: "iam-user", id: "drill-ci-deployer" }),
    ]);
    expect(JSON.stringify(f)).not.toContain("AKIAQEXAMPLEKEY00002");
  });

  it("refuses to build a credential or IAM user scenario without its role or user", () => {
    const bare = { instanceId: target.instanceId, account: target.account, region: target.region };

    expect(() => scenario("credential-exfiltration").build(bare)).toThrow(/role of the target instance/);
    expect(() => scenario("iam-user-compromised").build(bare)).toThrow(/IAM user tagged for drills/);
  });

  it("never carries the drill tag in the event itself: the account must", () => {
    for (const s of SCENARIOS)
      for (const r of findingOf(s.name).resources)
        expect(Object.keys(r.tags ?? {}), s.name).not.toContain("incident-responder:drill");
  });

  it("expects alerts at least when the incident opens, and never a failure", () => {
    for (const s of SCENARIOS) {
      expect(s.expect.alerts, s.name).toContain("opened");
      expect(s.expect.noAlerts, s.name).toEqual(expect.arrayContaining(["failed", "containment-failed"]));
      if (s.expect.contained) expect(s.expect.alerts, s.name).toContain("contained");
      if (s.expect.archived) expect(s.expect.alerts, s.name).toContain("evidence-preserved");
      if (s.expect.cleanroom) expect(s.expect.alerts, s.name).toContain("cleanroom-ready");
    }
  });
});
