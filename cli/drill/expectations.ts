/**
 * The scorecard of a drill: each expectation of the scenario checked by reading the account
 * and the incident back (never by trusting what the responder says it did).
 */
import { DescribeSecurityGroupsCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { lanePlanned } from "../../shared/actions/index.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { type Check, checkRevokedCredentials, checkUserContained } from "./checks-iam.ts";
import { onUser, type Scenario, type ScenarioTarget } from "./scenarios.ts";
import { type TargetView, viewTarget } from "./target.ts";
import type { ReceivedAlert, RunDrillContext } from "./types.ts";

const sameGroups = (a: Record<string, string[]>, b: Record<string, string[]>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

const describeGroups = (g: Record<string, string[]>) =>
  Object.entries(g)
    .map(([eni, ids]) => `${eni}: ${ids.join("+") || "none"}`)
    .join("; ") || "no interfaces";

/** Checks each expectation of the scenario by reading the account and the incident back. */
export async function checkExpectations(
  scenario: Scenario,
  target: ScenarioTarget,
  before: TargetView,
  incident: IncidentRecord,
  alerts: ReceivedAlert[],
  ctx: Pick<RunDrillContext, "clients" | "resources" | "demo">,
  siblingBefore?: TargetView,
): Promise<Check[]> {
  const checks: Check[] = [];
  const { ec2, s3 } = ctx.clients;
  const exp = scenario.expect;

  if (exp.demo?.tier) {
    checks.push(
      ctx.demo
        ? {
            expectation: `impact tier ${exp.demo.tier}`,
            pass: incident.impact.tier === exp.demo.tier,
            detail: `${incident.impact.tier} (score ${incident.impact.score}/100)`,
          }
        : {
            expectation: `impact tier (demo: ${exp.demo.tier})`,
            pass: true,
            detail: `not checked: the target's own tags decide — ${incident.impact.tier} (${incident.impact.score}/100)`,
          },
    );
  }
  if (exp.demo?.playbook) {
    checks.push(
      ctx.demo
        ? {
            expectation: `playbook ${exp.demo.playbook}`,
            pass: incident.plan.playbook === exp.demo.playbook,
            detail: `${incident.plan.playbook}: ${incident.plan.actions.map((a) => a.name).join(", ")}`,
          }
        : {
            expectation: `playbook (demo: ${exp.demo.playbook})`,
            pass: true,
            detail: `not checked against a real target — ${incident.plan.playbook}`,
          },
    );
  }
  for (const note of exp.notes ?? []) {
    const hit = incident.plan.notes.find((n) => note.test(n));
    checks.push({
      expectation: `plan note ${note.source}`,
      pass: Boolean(hit),
      detail: hit ?? `notes: ${incident.plan.notes.join(" | ") || "none"}`,
    });
  }

  const after = onUser(scenario) ? before : await viewTarget(ec2, target.instanceId);
  if (onUser(scenario)) {
    checks.push({
      expectation: "no instance containment step",
      pass: incident.steps.contain === undefined,
      detail: incident.steps.contain ? `contain ${incident.steps.contain.status}` : "none",
    });
  } else if (exp.contained) {
    const ids = [...new Set(Object.values(after.groups).flat())];
    let rules = "";
    let empty = false;
    if (ids.length === 1) {
      const sg = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ids }))).SecurityGroups?.[0];
      const n = (sg?.IpPermissions?.length ?? 0) + (sg?.IpPermissionsEgress?.length ?? 0);
      empty = n === 0;
      rules = `${sg?.GroupName ?? ids[0]}: ${n} rules`;
    }
    const everyOne = Object.values(after.groups).every((g) => g.length === 1);
    const changed = !sameGroups(before.groups, after.groups);
    checks.push({
      expectation: "instance isolated on every interface (one group, no rules)",
      pass: after.found && everyOne && ids.length === 1 && empty && changed,
      detail: `${describeGroups(after.groups)}${rules ? ` — ${rules}` : ""}${changed ? "" : `; the same as before the drill (${describeGroups(before.groups)})`}`,
    });
    const step = incident.steps.contain;
    checks.push({
      expectation: "containment verified by reading the state back",
      pass: step?.status === "verified",
      detail: step
        ? `${step.status}: ${step.detail ?? ""}${step.error ? ` — ${step.error}` : ""}`
        : "no contain step",
    });
  } else {
    checks.push({
      expectation: "instance left alone: every interface keeps its original groups",
      pass: after.found && sameGroups(before.groups, after.groups),
      detail: `before ${describeGroups(before.groups)}; after ${describeGroups(after.groups)}`,
    });
    checks.push({
      expectation: "no containment step",
      pass: incident.steps.contain === undefined,
      detail: incident.steps.contain ? `contain ${incident.steps.contain.status}` : "none",
    });
  }

  if (exp.revokedCredentials) {
    const siblingAfter = target.credentials ? await viewTarget(ec2, target.credentials.siblingId) : undefined;
    checks.push(
      ...(await checkRevokedCredentials(ctx.clients.iam, target, incident, {
        ...(siblingBefore ? { before: siblingBefore } : {}),
        ...(siblingAfter ? { after: siblingAfter } : {}),
      })),
    );
  }
  if (exp.userContained) checks.push(...(await checkUserContained(ctx.clients.iam, target, incident)));

  const snaps =
    (
      await ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ["self"],
          Filters: [{ Name: "tag:incident-responder:incident-id", Values: [incident.incidentId] }],
        }),
      )
    ).Snapshots ?? [];
  const volumes = before.volumes;
  checks.push({
    expectation: exp.snapshots ? `snapshots of all ${volumes} volumes, tagged` : "no snapshots",
    pass: exp.snapshots ? snaps.length === volumes && volumes > 0 : snaps.length === 0,
    detail: `${snaps.length} snapshots: ${snaps.map((s) => s.SnapshotId).join(", ") || "none"}`,
  });

  let manifestThere = false;
  if (incident.evidence?.manifestKey) {
    manifestThere = await s3
      .send(
        new HeadObjectCommand({ Bucket: ctx.resources.evidenceBucket, Key: incident.evidence.manifestKey }),
      )
      .then(() => true)
      .catch(() => false);
  }
  checks.push({
    expectation: exp.archived ? "evidence archived with a manifest" : "nothing archived",
    pass: exp.archived === manifestThere,
    detail: manifestThere
      ? `s3://${ctx.resources.evidenceBucket}/${incident.evidence?.manifestKey} (${incident.evidence?.artifacts?.length ?? 0} artifacts)`
      : `no manifest${incident.steps.manifest ? ` (manifest ${incident.steps.manifest.status}: ${incident.steps.manifest.error ?? ""})` : ""}`,
  });

  const room = incident.steps.cleanroom;
  checks.push({
    expectation: exp.cleanroom ? "clean room launched from the evidence" : "no clean room",
    pass: exp.cleanroom ? room?.status === "ok" : room === undefined,
    detail: room
      ? `cleanroom ${room.status}: ${room.detail ?? ""}${room.error ? ` — ${room.error}` : ""}`
      : lanePlanned(incident.plan, "cleanroom")
        ? "planned, never started (is the clean-room lane deployed?)"
        : "not planned",
  });

  const stages = new Set(alerts.map((a) => a.stage));
  const missing = exp.alerts.filter((s) => !stages.has(s));
  const bad = alerts.filter(
    (a) =>
      a.subject.length >= 100 ||
      (Object.keys(a.attributes).length > 0 &&
        (a.attributes.incidentId !== incident.incidentId || a.attributes.tier !== incident.impact.tier)),
  );
  checks.push({
    expectation: `alerts received: ${exp.alerts.join(", ")}`,
    pass: missing.length === 0 && bad.length === 0,
    detail: [
      missing.length ? `missing: ${missing.join(", ")}` : "",
      bad.length ? `malformed: ${bad.map((a) => a.subject).join(" | ")}` : "",
      `received: ${[...stages].join(", ") || "none"}`,
    ]
      .filter(Boolean)
      .join("; "),
  });
  const forbidden = (exp.noAlerts ?? ["failed", "containment-failed"]).filter((s) => stages.has(s));
  checks.push({
    expectation: `no ${(exp.noAlerts ?? ["failed", "containment-failed"]).join("/")} alert`,
    pass: forbidden.length === 0,
    detail: forbidden.length
      ? alerts
          .filter((a) => forbidden.includes(a.stage as never))
          .map((a) => a.subject)
          .join(" | ")
      : "none",
  });
  return checks;
}
