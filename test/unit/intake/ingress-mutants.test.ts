/**
 * Ingress rules: zero-padded prefixes, non-finite port bounds, a single port, and lists
 * holding something other than permission objects.
 */
import { describe, expect, it } from "vitest";
import { isWorldCidr, worldOpenAdminIngress } from "../../../shared/intake/ingress.ts";

describe("isWorldCidr", () => {
  it("counts a zero-padded /00 prefix as the internet", () => {
    // Arrange
    const cidr = "0.0.0.0/00";

    // Act
    const world = isWorldCidr(cidr);

    // Assert
    expect(world).toBe(true);
  });
});

describe("worldOpenAdminIngress", () => {
  it("reports a single admin port as that port, not as all ports", () => {
    // Arrange
    const params = {
      ipPermissions: {
        items: [
          { ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] } },
        ],
      },
    };

    // Act
    const found = worldOpenAdminIngress(params);

    // Assert
    expect(found).toStrictEqual([{ ports: "22", protocol: "tcp", cidr: "0.0.0.0/0" }]);
  });

  it("reports a range from port 0 up to an admin port as that range, not as all ports", () => {
    // Arrange
    const params = { cidrIp: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 0, toPort: 22 };

    // Act
    const found = worldOpenAdminIngress(params);

    // Assert
    expect(found).toStrictEqual([{ ports: "0-22", protocol: "tcp", cidr: "0.0.0.0/0" }]);
  });

  it("finds nothing when the upper port bound is not a finite number", () => {
    // Arrange
    const params = { cidrIp: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 0, toPort: "Infinity" };

    // Act
    const found = worldOpenAdminIngress(params);

    // Assert
    expect(found).toStrictEqual([]);
  });

  it("finds nothing when both port bounds are infinite", () => {
    // Arrange
    const params = { cidrIp: "0.0.0.0/0", ipProtocol: "tcp", fromPort: "-Infinity", toPort: "Infinity" };

    // Act
    const found = worldOpenAdminIngress(params);

    // Assert
    expect(found).toStrictEqual([]);
  });

  it("skips null and non-object permissions and still reads the others", () => {
    // Arrange
    const params = {
      ipPermissions: {
        items: [null, "tcp", { ipProtocol: "tcp", fromPort: 3389, toPort: 3389, ipv6Ranges: ["::/0"] }],
      },
    };

    // Act
    const found = worldOpenAdminIngress(params);

    // Assert
    expect(found).toStrictEqual([{ ports: "3389", protocol: "tcp", cidr: "::/0" }]);
  });
});
