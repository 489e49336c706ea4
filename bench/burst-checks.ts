/**
 * What a burst must have done exactly once (bench/burst.ts): one incident per instance, one
 * contain step each, one snapshot set, one pair of isolation groups per VPC, each interface
 * swapped twice, one CreateSnapshots per instance.
 */
import { DescribeSecurityGroupsCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import type { CallRecord } from "../cli/local/instrument.ts";
import type { IncidentRecord } from "../shared/incident/model.ts";
import type { FleetInstance } from "./fleet.ts";
import type { BurstFigures } from "./incident-figures.ts";
import { ISOLATION_GROUP, UNTRACKING_GROUP, type World } from "./incident-session.ts";

/** The burst's checks, from the records, the account's snapshots and groups, and the call log. */
export async function burstChecks(
  w: World,
  instances: FleetInstance[],
  vpcIds: string[],
  findingIds: Map<string, string[]>,
  incidentOf: Map<string, string>,
  incidents: IncidentRecord[],
  calls: CallRecord[],
): Promise<BurstFigures["checks"]> {
  const checks: BurstFigures["checks"] = [];
  const byId = new Map(incidents.map((i) => [i.incidentId, i]));
  const perInstance = instances.map((inst) => {
    const ids = new Set((findingIds.get(inst.instanceId) ?? []).map((f) => incidentOf.get(f)));
    return { inst, ids: [...ids].filter((x): x is string => Boolean(x)) };
  });
  const one = perInstance.filter((p) => p.ids.length === 1).length;
  checks.push({
    what: "one incident per instance (both findings, all copies)",
    pass: one === instances.length && incidents.length === instances.length,
    detail: `${one} of ${instances.length} instances; ${incidents.length} incidents in all`,
  });
  const containOnce = incidents.filter(
    (i) =>
      i.steps.contain?.status === "verified" && i.timeline.filter((t) => t.step === "contain").length === 1,
  ).length;
  checks.push({
    what: "one contain step per incident, verified",
    pass: containOnce === incidents.length,
    detail: `${containOnce} of ${incidents.length}`,
  });
  const listed = incidents.map((i) => ({
    all: i.findings.length,
    distinct: new Set(i.findings.map((f) => f.id)).size,
  }));
  const joined = listed.filter((l) => l.all === 2 && l.distinct === 2).length;
  const repeated = listed.filter((l) => l.all > l.distinct).length;
  const missing = listed.filter((l) => l.distinct < 2).length;
  checks.push({
    what: "the second finding joined its instance's incident, once",
    pass: joined === incidents.length,
    core: false,
    detail: `${joined} of ${incidents.length} incidents list both findings${
      repeated ? `; ${repeated} list a finding twice (concurrent copies each joined it)` : ""
    }${missing ? `; ${missing} lack one (its marker points to the incident, the record lost the join)` : ""}`,
  });
  // Snapshots by the instance tag: one set (one per volume) of one incident per instance.
  const snaps: { instance: string; incident: string }[] = [];
  for (let i = 0; i < instances.length; i += 50) {
    const out = await w.ec2.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ["self"],
        Filters: [
          {
            Name: "tag:incident-responder:instance-id",
            Values: instances.slice(i, i + 50).map((x) => x.instanceId),
          },
        ],
      }),
    );
    for (const s of out.Snapshots ?? []) {
      const tag = (k: string) => s.Tags?.find((t) => t.Key === k)?.Value ?? "";
      snaps.push({
        instance: tag("incident-responder:instance-id"),
        incident: tag("incident-responder:incident-id"),
      });
    }
  }
  const oneSet = instances.filter((inst) => {
    const mine = snaps.filter((s) => s.instance === inst.instanceId);
    return mine.length === inst.volumes && new Set(mine.map((s) => s.incident)).size === 1;
  }).length;
  checks.push({
    what: "one snapshot set per instance (DescribeSnapshots by instance tag)",
    pass: oneSet === instances.length,
    detail: `${oneSet} of ${instances.length}; ${snaps.length} snapshots for ${instances.reduce((n, i) => n + i.volumes, 0)} volumes`,
  });
  const groups = await w.ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "vpc-id", Values: vpcIds },
        { Name: "group-name", Values: [ISOLATION_GROUP, UNTRACKING_GROUP] },
      ],
    }),
  );
  const pairs = vpcIds.filter((v) => {
    const inVpc = (groups.SecurityGroups ?? []).filter((g) => g.VpcId === v);
    return (
      inVpc.filter((g) => g.GroupName === ISOLATION_GROUP).length === 1 &&
      inVpc.filter((g) => g.GroupName === UNTRACKING_GROUP).length === 1
    );
  }).length;
  checks.push({
    what: "one pair of isolation groups per VPC",
    pass: pairs === vpcIds.length,
    detail: `${pairs} of ${vpcIds.length} VPCs; ${(groups.SecurityGroups ?? []).length} managed groups`,
  });
  const swaps = new Map<string, number>();
  for (const c of calls)
    if (
      c.scope === "contain" &&
      c.operation === "ModifyNetworkInterfaceAttribute" &&
      !c.error &&
      c.input?.Groups
    ) {
      const eni = String(c.input.NetworkInterfaceId);
      swaps.set(eni, (swaps.get(eni) ?? 0) + 1);
    }
  const enis = instances.reduce((n, i) => n + i.interfaces, 0);
  const twice = [...swaps.values()].filter((n) => n === 2).length;
  checks.push({
    what: "each interface swapped once to untracking, once to isolation",
    pass: twice === enis && swaps.size === enis,
    detail: `${twice} of ${enis} interfaces with exactly 2 swaps (${[...swaps.values()].reduce((a, b) => a + b, 0)} swaps)`,
  });
  const createSnapshots = calls.filter((c) => c.operation === "CreateSnapshots" && !c.error).length;
  checks.push({
    what: "one CreateSnapshots per instance",
    pass: createSnapshots === instances.length,
    detail: `${createSnapshots} calls`,
  });
  void byId;
  return checks;
}
