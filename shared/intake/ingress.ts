/**
 * Does an `AuthorizeSecurityGroupIngress` request open an administrative port to the internet?
 */
import { isObject, listOf } from "./walk.ts";

/**
 * Ports that should never face the internet: remote shells and desktops, databases,
 * caches, search engines, container and cluster control planes, file sharing.
 */
export const ADMIN_PORTS: readonly number[] = [
  20, 21, 22, 23, 135, 139, 445, 1433, 1521, 2375, 2376, 3306, 3389, 5432, 5601, 5900, 5984, 6379, 6443, 9200,
  9300, 10250, 11211, 27017,
];

/** One rule that lets the internet reach an admin port. */
export interface WorldIngress {
  /** `all`, a port, or a range such as `20-23`. */
  ports: string;
  protocol: string;
  cidr: string;
}

/**
 * A CIDR counts as "the internet" when its prefix is /4 or wider: `0.0.0.0/0` and `::/0`,
 * and also the usual evasions (`0.0.0.0/1` + `128.0.0.0/1`, `2000::/3`).
 */
export function isWorldCidr(cidr: unknown): cidr is string {
  if (typeof cidr !== "string") return false;
  const m = /^([0-9a-fA-F:.]{1,45})\/(\d{1,3})$/.exec(cidr.trim());
  if (!m) return false;
  const prefix = Number(m[2]);
  return prefix <= 4;
}

function portRange(
  protocol: string,
  from: unknown,
  to: unknown,
): { all: boolean; from: number; to: number } | null {
  if (protocol === "-1" || protocol === "all") return { all: true, from: 0, to: 65535 };
  if (!["tcp", "udp", "6", "17"].includes(protocol)) return null; // icmp and others carry no ports
  const f = from === undefined || from === null ? -1 : Number(from);
  const t = to === undefined || to === null ? f : Number(to);
  if (!Number.isFinite(f) || !Number.isFinite(t)) return null;
  if (f === -1 || (f <= 0 && t >= 65535)) return { all: true, from: 0, to: 65535 };
  return { all: false, from: f, to: t };
}

function exposedPorts(protocol: string, from: unknown, to: unknown): string | null {
  const range = portRange(protocol, from, to);
  if (!range) return null;
  if (range.all) return "all";
  if (!ADMIN_PORTS.some((p) => p >= range.from && p <= range.to)) return null;
  return range.from === range.to ? String(range.from) : `${range.from}-${range.to}`;
}

/**
 * The internet-facing admin-port rules in an ingress request. Reads both the modern shape
 * (`ipPermissions.items[].ipRanges.items[].cidrIp` and `ipv6Ranges…cidrIpv6`) and the legacy
 * top-level shape (`cidrIp`, `ipProtocol`, `fromPort`, `toPort`).
 */
export function worldOpenAdminIngress(params: Record<string, unknown>): WorldIngress[] {
  const found: WorldIngress[] = [];
  const check = (protocolValue: unknown, from: unknown, to: unknown, cidrs: unknown[]) => {
    const protocol = String(protocolValue ?? "").toLowerCase();
    const ports = exposedPorts(protocol, from, to);
    if (ports === null) return;
    for (const cidr of cidrs) if (isWorldCidr(cidr)) found.push({ ports, protocol, cidr });
  };
  for (const perm of listOf(params.ipPermissions)) {
    if (!isObject(perm)) continue;
    const cidrs = [
      ...listOf(perm.ipRanges).map((r) => (isObject(r) ? r.cidrIp : r)),
      ...listOf(perm.ipv6Ranges).map((r) => (isObject(r) ? r.cidrIpv6 : r)),
    ];
    check(perm.ipProtocol, perm.fromPort, perm.toPort, cidrs);
  }
  if (params.cidrIp !== undefined) {
    check(params.ipProtocol ?? "-1", params.fromPort, params.toPort, [params.cidrIp]);
  }
  return found;
}
