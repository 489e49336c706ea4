/**
 * Connection tracking cut: on every interface of a contained instance, the idle timeouts of
 * tracked connections set to their minimum (TCP established 60 s, UDP stream 60 s, UDP 30 s),
 * so that a tracked flow the two-step group swap did not turn into an untracked one dies
 * within a minute instead of five days. The previous timeouts are recorded and put back by
 * release. Verified by reading the interfaces back: an API that accepts the call but does not
 * report the configuration (moto 5.2.1 ignores it) leaves the step `unsupported`, never `ok`.
 */
import {
  DescribeNetworkInterfacesCommand,
  type EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
} from "@aws-sdk/client-ec2";
import * as z from "zod";
import { errorCode } from "../aws/errors.ts";
import type { ActionResult } from "../domain/types.ts";
import { describeError } from "../errors/index.ts";

/** The three idle timeouts, in seconds. */
export const TimeoutsSchema = z.strictObject({
  tcpEstablished: z.number().int().positive(),
  udpStream: z.number().int().positive(),
  udp: z.number().int().positive(),
});
export type Timeouts = z.infer<typeof TimeoutsSchema>;

/** The minimum timeouts EC2 accepts: what containment sets. */
export const MINIMUM_TIMEOUTS: Timeouts = { tcpEstablished: 60, udpStream: 60, udp: 30 };

/** EC2's defaults, put back on release when an interface reported no configuration of its own. */
export const DEFAULT_TIMEOUTS: Timeouts = { tcpEstablished: 432_000, udpStream: 180, udp: 30 };

/** One interface as containment found and left it. */
export const TrackingRecordSchema = z.strictObject({
  networkInterfaceId: z.string().regex(/^eni-[0-9a-f]+$/),
  /** What DescribeInstances reported before the change; absent: EC2's defaults. */
  previous: TimeoutsSchema.optional(),
  /** The call was accepted (release puts the previous timeouts back only then). */
  applied: z.boolean(),
});
export type TrackingRecord = z.infer<typeof TrackingRecordSchema>;

/** An interface's timeouts as the SDK reports them (DescribeInstances or DescribeNetworkInterfaces). */
export interface ReportedTracking {
  TcpEstablishedTimeout?: number | undefined;
  UdpStreamTimeout?: number | undefined;
  UdpTimeout?: number | undefined;
}

/** Pure: the timeouts an interface reports, or undefined when it reports none (or only part). */
export function timeoutsOf(reported: ReportedTracking | undefined): Timeouts | undefined {
  const t = reported?.TcpEstablishedTimeout;
  const s = reported?.UdpStreamTimeout;
  const u = reported?.UdpTimeout;
  return t !== undefined && s !== undefined && u !== undefined
    ? { tcpEstablished: t, udpStream: s, udp: u }
    : undefined;
}

/** Pure: the request that sets an interface's timeouts. */
export function trackingRequest(networkInterfaceId: string, t: Timeouts) {
  return {
    NetworkInterfaceId: networkInterfaceId,
    ConnectionTrackingSpecification: {
      TcpEstablishedTimeout: t.tcpEstablished,
      UdpStreamTimeout: t.udpStream,
      UdpTimeout: t.udp,
    },
  };
}

/** Pure: the step of an interface once read back. */
export function judgeReadback(
  eni: string,
  wanted: Timeouts,
  readBack: Timeouts | undefined,
  what: "cut" | "restore",
): ActionResult {
  const name = what === "cut" ? "network:connection-tracking" : "release:connection-tracking";
  const fmt = (t: Timeouts) =>
    `TCP established ${t.tcpEstablished} s, UDP stream ${t.udpStream} s, UDP ${t.udp} s`;
  if (!readBack)
    return {
      name,
      target: eni,
      status: "unsupported",
      detail: `ModifyNetworkInterfaceAttribute ConnectionTrackingSpecification was accepted but the interface reports no connection tracking configuration: not verified (${fmt(wanted)} wanted)`,
    };
  const same =
    readBack.tcpEstablished === wanted.tcpEstablished &&
    readBack.udpStream === wanted.udpStream &&
    readBack.udp === wanted.udp;
  return same
    ? { name, target: eni, status: "ok", detail: `${fmt(wanted)} (read back)` }
    : { name, target: eni, status: "failed", detail: `reads back ${fmt(readBack)}, not ${fmt(wanted)}` };
}

/** Codes with which EC2 refuses the setting for the interface or instance type. */
const UNSUPPORTED = [
  "UnsupportedOperation",
  "InvalidParameterCombination",
  "InvalidParameterValue",
  "NotImplemented",
];

function refusal(eni: string, name: string, err: unknown): ActionResult {
  const code = errorCode(err);
  const unsupported =
    (code !== undefined && UNSUPPORTED.includes(code)) || /XML|not.+implemented/i.test(String(err));
  return {
    name,
    target: eni,
    status: unsupported ? "unsupported" : "failed",
    detail: `ModifyNetworkInterfaceAttribute ConnectionTrackingSpecification: ${describeError(err)}`,
  };
}

/** Counts calls for the caller's figures. */
export interface Counter {
  calls: number;
}

/**
 * Sets the minimum timeouts on each interface (one call each, in parallel). The records say
 * what to put back; the steps are final only after {@link verifyTracking}.
 */
export async function applyTracking(
  ec2: EC2Client,
  interfaces: { networkInterfaceId: string; reported?: ReportedTracking | undefined }[],
  counter: Counter,
): Promise<{ records: TrackingRecord[]; refused: ActionResult[] }> {
  const out = await Promise.all(
    interfaces.map(async (i) => {
      const previous = timeoutsOf(i.reported);
      counter.calls++;
      try {
        await ec2.send(
          new ModifyNetworkInterfaceAttributeCommand(trackingRequest(i.networkInterfaceId, MINIMUM_TIMEOUTS)),
        );
        return {
          record: {
            networkInterfaceId: i.networkInterfaceId,
            ...(previous ? { previous } : {}),
            applied: true,
          },
        };
      } catch (err) {
        return {
          record: {
            networkInterfaceId: i.networkInterfaceId,
            ...(previous ? { previous } : {}),
            applied: false,
          },
          refused: refusal(i.networkInterfaceId, "network:connection-tracking", err),
        };
      }
    }),
  );
  return {
    records: out.map((o) => o.record),
    refused: out.flatMap((o) => (o.refused ? [o.refused] : [])),
  };
}

/** Reads the interfaces back (one call) and judges each applied change against `wanted`. */
export async function verifyTracking(
  ec2: EC2Client,
  records: TrackingRecord[],
  wanted: (r: TrackingRecord) => Timeouts,
  what: "cut" | "restore",
  counter: Counter,
): Promise<ActionResult[]> {
  const applied = records.filter((r) => r.applied);
  if (!applied.length) return [];
  counter.calls++;
  let reported: Map<string, Timeouts | undefined>;
  try {
    const res = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: applied.map((r) => r.networkInterfaceId) }),
    );
    reported = new Map(
      (res.NetworkInterfaces ?? []).map((n) => [
        n.NetworkInterfaceId ?? "",
        timeoutsOf(n.ConnectionTrackingConfiguration),
      ]),
    );
  } catch (err) {
    return applied.map((r) => ({
      name: what === "cut" ? "network:connection-tracking" : "release:connection-tracking",
      target: r.networkInterfaceId,
      status: "failed",
      detail: `could not read the interface back: ${describeError(err)}`,
    }));
  }
  return applied.map((r) =>
    judgeReadback(r.networkInterfaceId, wanted(r), reported.get(r.networkInterfaceId), what),
  );
}

/**
 * Release: puts back the recorded timeouts (EC2's defaults where none were reported) on each
 * interface the cut changed, then reads them back.
 */
export async function restoreTracking(
  ec2: EC2Client,
  records: TrackingRecord[],
  dryRun: boolean,
  counter: Counter,
): Promise<ActionResult[]> {
  const applied = records.filter((r) => r.applied);
  const back = (r: TrackingRecord) => r.previous ?? DEFAULT_TIMEOUTS;
  if (dryRun)
    return applied.map((r) => ({
      name: "release:connection-tracking",
      target: r.networkInterfaceId,
      status: "skipped",
      detail: `dry run: ec2:ModifyNetworkInterfaceAttribute ${JSON.stringify(trackingRequest(r.networkInterfaceId, back(r)))}`,
    }));
  const refused: ActionResult[] = [];
  await Promise.all(
    applied.map(async (r) => {
      counter.calls++;
      try {
        await ec2.send(
          new ModifyNetworkInterfaceAttributeCommand(trackingRequest(r.networkInterfaceId, back(r))),
        );
      } catch (err) {
        refused.push(refusal(r.networkInterfaceId, "release:connection-tracking", err));
      }
    }),
  );
  const failedIds = new Set(refused.map((r) => r.target));
  const verified = await verifyTracking(
    ec2,
    applied.filter((r) => !failedIds.has(r.networkInterfaceId)),
    back,
    "restore",
    counter,
  );
  return [...refused, ...verified];
}
