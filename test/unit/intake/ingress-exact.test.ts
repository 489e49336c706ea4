/**
 * Ingress rules read exactly: which CIDRs are the internet, which port ranges touch an admin
 * port (at both ends of each range), which protocols carry ports, and both request shapes.
 */
import { describe, expect, it } from "vitest";
import { isWorldCidr, worldOpenAdminIngress } from "../../../shared/intake/ingress.ts";

const perm = (ipProtocol: unknown, fromPort: unknown, toPort: unknown, cidr = "0.0.0.0/0") => ({
  ipPermissions: { items: [{ ipProtocol, fromPort, toPort, ipRanges: { items: [{ cidrIp: cidr }] } }] },
});

describe("isWorldCidr", () => {
  it.each([
    ["0.0.0.0/0", true],
    ["::/0", true],
    ["0.0.0.0/4", true],
    ["2000::/3", true],
    [" 0.0.0.0/0 ", true],
    ["0.0.0.0/5", false],
    ["10.0.0.0/8", false],
    ["0.0.0.0", false],
    ["0.0.0.0/", false],
    ["0.0.0.0/0x", false],
    ["x0.0.0.0/0", false],
    ["0.0.0.0/0000", false],
    ["/0", false],
    ["g::/0", false],
    [`${"0".repeat(46)}/0`, false],
    [0, false],
  ])("says whether %j is the internet: %s", (cidr, expected) => {
    // Act + Assert
    expect(isWorldCidr(cidr)).toBe(expected);
  });

  it("accepts an address of 45 characters", () => {
    // Act + Assert
    expect(isWorldCidr(`${"0".repeat(45)}/0`)).toBe(true);
  });
});

describe("worldOpenAdminIngress", () => {
  it.each([
    ["tcp", 22, 22, "22"],
    ["TCP", 22, 22, "22"],
    ["udp", 20, 21, "20-21"],
    ["6", 3389, 3389, "3389"],
    ["17", 11211, 11211, "11211"],
    ["tcp", 135, 138, "135-138"],
    ["tcp", 136, 139, "136-139"],
    ["tcp", 23, 134, "23-134"],
    ["tcp", "22", "22", "22"],
    ["tcp", 22, undefined, "22"],
    ["tcp", 22, null, "22"],
    ["tcp", 1, 65535, "1-65535"],
    ["tcp", 0, 65535, "all"],
    ["tcp", -5, 70000, "all"],
    ["tcp", undefined, undefined, "all"],
    ["tcp", null, 80, "all"],
    ["tcp", -1, -1, "all"],
    ["-1", 80, 80, "all"],
    ["all", 80, 80, "all"],
  ])("finds %s ports %j to %j open as %s", (protocol, from, to, ports) => {
    // Act
    const found = worldOpenAdminIngress(perm(protocol, from, to));

    // Assert
    expect(found).toStrictEqual([{ ports, protocol: String(protocol).toLowerCase(), cidr: "0.0.0.0/0" }]);
  });

  it.each([
    ["tcp", 24, 134],
    ["tcp", 136, 138],
    ["tcp", 443, 443],
    ["icmp", -1, -1],
    ["58", 22, 22],
    ["tcp", "ssh", 22],
    ["tcp", 22, "x"],
    [undefined, 22, 22],
  ])("finds nothing for %s ports %j to %j", (protocol, from, to) => {
    // Act + Assert
    expect(worldOpenAdminIngress(perm(protocol, from, to))).toStrictEqual([]);
  });

  it("finds nothing for an admin port open to a network", () => {
    // Act + Assert
    expect(worldOpenAdminIngress(perm("tcp", 22, 22, "10.0.0.0/8"))).toStrictEqual([]);
  });

  it("reads each range of both lists, as objects or as bare strings", () => {
    // Arrange
    const params = {
      ipPermissions: [
        "not a permission",
        {
          ipProtocol: "tcp",
          fromPort: 22,
          toPort: 22,
          ipRanges: ["0.0.0.0/0", { cidrIp: "10.0.0.0/8" }, { cidrIp: "0.0.0.0/1" }],
          ipv6Ranges: { items: [{ cidrIpv6: "::/0" }, "2000::/3"] },
        },
      ],
    };

    // Act
    const found = worldOpenAdminIngress(params);

    // Assert
    expect(found).toStrictEqual([
      { ports: "22", protocol: "tcp", cidr: "0.0.0.0/0" },
      { ports: "22", protocol: "tcp", cidr: "0.0.0.0/1" },
      { ports: "22", protocol: "tcp", cidr: "::/0" },
      { ports: "22", protocol: "tcp", cidr: "2000::/3" },
    ]);
  });

  it("reads the legacy shape, every protocol when it names none", () => {
    // Act
    const legacy = worldOpenAdminIngress({ cidrIp: "0.0.0.0/0" });
    const tcp = worldOpenAdminIngress({
      cidrIp: "0.0.0.0/0",
      ipProtocol: "tcp",
      fromPort: 5432,
      toPort: 5432,
    });

    // Assert
    expect(legacy).toStrictEqual([{ ports: "all", protocol: "-1", cidr: "0.0.0.0/0" }]);
    expect(tcp).toStrictEqual([{ ports: "5432", protocol: "tcp", cidr: "0.0.0.0/0" }]);
  });

  it("reads both shapes in one request, the modern one first", () => {
    // Act
    const found = worldOpenAdminIngress({
      ...perm("tcp", 22, 22),
      cidrIp: "::/0",
      ipProtocol: "tcp",
      fromPort: 3389,
    });

    // Assert
    expect(found).toStrictEqual([
      { ports: "22", protocol: "tcp", cidr: "0.0.0.0/0" },
      { ports: "3389", protocol: "tcp", cidr: "::/0" },
    ]);
  });
});
