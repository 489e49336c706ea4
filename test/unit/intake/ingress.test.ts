import { describe, expect, it } from "vitest";
import { isWorldCidr, worldOpenAdminIngress } from "../../../shared/intake/ingress.ts";

const perm = (
  ipProtocol: string,
  fromPort: number | undefined,
  toPort: number | undefined,
  cidrs: string[],
  v6: string[] = [],
) => ({
  ipPermissions: {
    items: [
      {
        ipProtocol,
        fromPort,
        toPort,
        ipRanges: { items: cidrs.map((cidrIp) => ({ cidrIp })) },
        ipv6Ranges: { items: v6.map((cidrIpv6) => ({ cidrIpv6 })) },
      },
    ],
  },
});

describe("isWorldCidr", () => {
  it.each([
    ["0.0.0.0/0", true],
    ["::/0", true],
    ["0.0.0.0/1", true],
    ["128.0.0.0/1", true],
    ["2000::/3", true],
    ["10.0.0.0/8", false],
    ["203.0.113.7/32", false],
    ["0.0.0.0", false],
    ["nonsense/0x", false],
  ])("classifies %s as world=%s", (cidr, world) => {
    // Act + Assert
    expect(isWorldCidr(cidr)).toBe(world);
  });
});

describe("worldOpenAdminIngress", () => {
  it("finds SSH open to 0.0.0.0/0 in the items shape", () => {
    // Arrange
    const params = perm("tcp", 22, 22, ["0.0.0.0/0"]);

    // Act
    const found = worldOpenAdminIngress(params);

    // Assert
    expect(found).toEqual([{ ports: "22", protocol: "tcp", cidr: "0.0.0.0/0" }]);
  });

  it("finds RDP open to ::/0 in ipv6Ranges", () => {
    // Arrange
    const params = perm("tcp", 3389, 3389, [], ["::/0"]);

    // Act
    const found = worldOpenAdminIngress(params);

    // Assert
    expect(found).toEqual([{ ports: "3389", protocol: "tcp", cidr: "::/0" }]);
  });

  it("finds a range that contains an admin port", () => {
    // Arrange
    const params = perm("tcp", 3000, 4000, ["0.0.0.0/0"]);

    // Act
    const found = worldOpenAdminIngress(params);

    // Assert
    expect(found[0]?.ports).toBe("3000-4000");
  });

  it("treats protocol -1 and port -1 as all ports", () => {
    // Arrange
    const all = perm("-1", undefined, undefined, ["0.0.0.0/0"]);
    const allTcp = perm("tcp", -1, -1, ["0.0.0.0/0"]);
    const fullRange = perm("tcp", 0, 65535, ["0.0.0.0/0"]);

    // Act
    const found = [all, allTcp, fullRange].map((p) => worldOpenAdminIngress(p)[0]?.ports);

    // Assert
    expect(found).toEqual(["all", "all", "all"]);
  });

  it("reads the legacy top-level cidrIp shape", () => {
    // Arrange
    const params = { groupName: "web", ipProtocol: "tcp", fromPort: 3306, toPort: 3306, cidrIp: "0.0.0.0/0" };

    // Act
    const found = worldOpenAdminIngress(params);

    // Assert
    expect(found).toEqual([{ ports: "3306", protocol: "tcp", cidr: "0.0.0.0/0" }]);
  });

  it("ignores HTTPS to the world, SSH from a private range, and ICMP", () => {
    // Arrange
    const cases = [
      perm("tcp", 443, 443, ["0.0.0.0/0"]),
      perm("tcp", 22, 22, ["10.0.0.0/8"]),
      perm("icmp", -1, -1, ["0.0.0.0/0"]),
      { groupId: "sg-12345678" },
      { ipPermissions: "garbage" },
    ];

    // Act
    const found = cases.map((c) => worldOpenAdminIngress(c as Record<string, unknown>));

    // Assert
    expect(found).toEqual([[], [], [], [], []]);
  });
});
