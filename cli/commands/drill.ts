/**
 * `responder drill` — the main job.
 *
 * Locally (the default): a complete drill against the embedded emulator. Starts the
 * emulator, provisions the responder from serverless.yml, seeds a demo account, sends each
 * scenario's real-format event as a drill, follows the incident stage by stage, and checks
 * the outcome against the scenario's expectations.
 *
 * Against a deployed responder (`--target i-… [--profile P] [--region R] [--stage S]`):
 * refuses unless the target carries `incident-responder:drill=true` (a read-only
 * DescribeInstances, before anything else), then puts the drill event on the default bus,
 * follows the incident in the responder's table and checks the outcome read-only.
 */
import { type ClientOptions, ec2Client, eventsClient, s3Client } from "../../shared/aws/clients.ts";
import { loadAwsConfig } from "../../shared/config/index.ts";
import { RefusedError } from "../../shared/errors/index.ts";
import type { TimelineEntry } from "../../shared/incident/model.ts";
import { DRILL_TAG, isDrillTagged } from "../../shared/triage/safety.ts";
import { connect } from "../connect.ts";
import { runLocalDrills, seedDemo } from "../drill/local.ts";
import { type DrillOutcome, runDrill, type TargetView, viewTarget } from "../drill/run.ts";
import { scenario as findScenario, SCENARIOS, type Scenario } from "../drill/scenarios.ts";
import type { CallRecord } from "../local/instrument.ts";
import { startLocalSession } from "../local/session.ts";
import { motoOptions } from "../moto.ts";
import {
  bold,
  dim,
  green,
  printJson,
  progress,
  red,
  seconds,
  statusColour,
  stepsTable,
  table,
  text,
} from "../output.ts";
import { UsageError } from "./ingest.ts";

export interface DrillArgs {
  scenario?: string;
  all: boolean;
  json: boolean;
  port?: number;
  /** A real instance to drill on, through the deployed responder. */
  target?: string;
  profile?: string;
  region?: string;
  stage?: string;
  timeoutSeconds?: number;
  /** Never install the emulator; print the commands instead. */
  noInstall?: boolean;
}

interface CallStats {
  total: number;
  byOperation: Record<string, number>;
}

type Outcome = DrillOutcome & { calls?: CallStats };

/** One progress line per timeline entry: `+1.23 s  contain  verified  …`. */
function entryLine(e: TimelineEntry, ms: number): string {
  const at = `${ms < -5 ? "-" : "+"}${(Math.abs(ms) / 1000).toFixed(2)} s`;
  return `  ${dim(at.padStart(9))}  ${text(e.step).padEnd(10)} ${statusColour(e.status)}  ${text(e.detail, 110)}`;
}

function callStats(calls: CallRecord[]): CallStats {
  const byOperation: Record<string, number> = {};
  for (const c of calls)
    byOperation[`${c.service}:${c.operation}`] = (byOperation[`${c.service}:${c.operation}`] ?? 0) + 1;
  return { total: calls.length, byOperation };
}

export async function drillCommand(args: DrillArgs): Promise<number> {
  if (args.target || args.profile) return remoteDrillCommand(args);
  if (args.all && args.scenario) throw new UsageError("use --scenario NAME or --all, not both");
  const started = Date.now();
  const scenarios: Scenario[] = args.all ? SCENARIOS : [findScenario(args.scenario ?? "c2")];
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  progress(bold("Incident Responder — local drill"));
  progress(dim("Starting the local AWS emulator and the responder…"));
  const session = await startLocalSession({
    ...(args.port ? { port: args.port } : {}),
    maxAttempts: 2,
    moto: motoOptions(Boolean(args.noInstall)),
  });
  progress(
    `  emulator ${session.emulator.endpoint} ${dim(`(${seconds(session.timings.emulatorMs)}${session.emulator.owned ? "" : ", borrowed"})`)}; ` +
      `resources from serverless.yml ${dim(`(${seconds(session.timings.provisionMs)})`)}; event routes ${dim(`(${seconds(session.timings.routesMs)})`)}`,
  );
  let outcomes: Outcome[] = [];
  try {
    const tSeed = Date.now();
    const demo = await seedDemo(session);
    progress(
      `  demo account: ${Object.values(demo.instances)
        .map((i) => `${text(i.name)} ${dim(i.instanceId)}`)
        .join(", ")} ${dim(`(${seconds(Date.now() - tSeed)})`)}`,
    );
    const stats = new Map<string, CallStats>();
    outcomes = await runLocalDrills(session, demo, scenarios, {
      ...(args.timeoutSeconds ? { timeoutMs: args.timeoutSeconds * 1000 } : {}),
      onScenario: (s, target) => {
        progress("");
        progress(`${bold(`Scenario ${s.name}`)}: ${s.description}`);
        progress(
          dim(
            `  target ${text(target.name)} (${target.user ? `IAM user, key ${target.user.accessKeyId}` : target.instanceId})${target.copy ? ", a fresh copy" : ""}`,
          ),
        );
      },
      onEntry: (e, ms) => progress(entryLine(e, ms)),
      around: async (s, run) => {
        const calls: CallRecord[] = [];
        session.hooks.recorder = (c) => {
          if (c.scope) calls.push(c);
        };
        try {
          return await run();
        } finally {
          session.hooks.recorder = undefined;
          stats.set(s.name, callStats(calls));
        }
      },
    });
    outcomes = outcomes.map((o) => ({ ...o, calls: stats.get(o.scenario) }));
  } finally {
    await session.stop();
  }
  return report(outcomes, {
    json: args.json,
    wallMs: Date.now() - started,
    where: `local emulator ${session.emulator.endpoint}`,
    single: !args.all,
  });
}

/**
 * Reads the target and refuses unless it is tagged for drills. Read-only: one
 * DescribeInstances (and DescribeNetworkInterfaces for its groups), nothing else.
 */
export async function assertDrillTarget(
  ec2: ReturnType<typeof ec2Client>,
  instanceId: string,
): Promise<TargetView> {
  const view = await viewTarget(ec2, instanceId);
  if (!view.found) throw new RefusedError(`drill target ${instanceId} not found: nothing was sent`);
  if (!isDrillTagged(view.tags)) {
    throw new RefusedError(
      `drill target ${instanceId} is not tagged ${DRILL_TAG.key}=${DRILL_TAG.value}: refusing to run a drill on it; nothing was sent. ` +
        `If it is meant for drills: aws ec2 create-tags --resources ${instanceId} --tags Key=${DRILL_TAG.key},Value=${DRILL_TAG.value}`,
    );
  }
  return view;
}

/** A drill through the deployed responder, on a real instance tagged for drills. */
export async function remoteDrillCommand(args: DrillArgs): Promise<number> {
  if (args.all) throw new UsageError("--target runs one scenario: use --scenario NAME");
  if (!args.target) throw new UsageError("--target i-… is needed to drill against a deployed responder");
  if (!/^i-[0-9a-f]{8,17}$/.test(args.target))
    throw new UsageError(`--target must be an instance id, not ${args.target}`);
  const s = findScenario(args.scenario ?? "c2");
  // The SDK reads the profile from the environment (shared config and credentials files).
  if (args.profile) process.env.AWS_PROFILE = args.profile;
  if (args.region) process.env.AWS_REGION = args.region;
  const aws: ClientOptions = loadAwsConfig();
  const ec2 = ec2Client(aws);
  const started = Date.now();
  // First, and read-only: is the target meant for drills?
  const view = await assertDrillTarget(ec2, args.target);
  const conn = await connect(args.stage);
  progress(bold(`Incident Responder — drill ${s.name} on ${args.target}`));
  progress(dim(`  ${s.description}`));
  progress(
    dim(
      `  responder ${conn.local ? `at ${aws.endpoint}` : `stack incident-responder-${args.stage ?? "dev"} in ${aws.region}`}; target ${text(view.tags.Name ?? args.target)} in account ${view.account ?? conn.account}`,
    ),
  );
  const outcome = await runDrill(
    s,
    {
      instanceId: args.target,
      account: view.account ?? conn.account,
      region: aws.region,
      ...(view.groupId ? { groupId: view.groupId } : {}),
    },
    {
      clients: { ec2, events: eventsClient(aws), s3: s3Client(aws) },
      store: conn.store,
      resources: conn.resources,
      demo: false,
      timeoutMs: (args.timeoutSeconds ?? 300) * 1000,
      onEntry: (e, ms) => progress(entryLine(e, ms)),
      // Alerts of the last stage are published right after the step ends: give them a moment.
      afterSettled: () => new Promise((r) => setTimeout(r, 2000)),
    },
  );
  return report([outcome], {
    json: args.json,
    wallMs: Date.now() - started,
    where: conn.local ? `responder at ${aws.endpoint}` : `deployed responder in ${aws.region}`,
    single: true,
  });
}

/** Prints the scorecard(s) (or one JSON document) and returns the exit code. */
function report(
  outcomes: Outcome[],
  opts: { json: boolean; wallMs: number; where: string; single: boolean },
): number {
  const pass = outcomes.length > 0 && outcomes.every((o) => o.pass);
  if (opts.json) {
    printJson(
      {
        pass,
        wallMs: opts.wallMs,
        where: opts.where,
        scenarios: outcomes.map((o) => ({
          scenario: o.scenario,
          pass: o.pass,
          incidentId: o.incidentId,
          target: o.target,
          settled: o.settled,
          timeToContainMs: o.timeToContainMs,
          timeToEvidenceMs: o.timeToEvidenceMs,
          ...(o.calls ? { awsCalls: o.calls } : {}),
          impact: o.incident
            ? {
                score: o.incident.impact.score,
                tier: o.incident.impact.tier,
                reasons: o.incident.impact.reasons.map((r) => r.text),
                owner: o.incident.impact.owner,
                workQueue: o.incident.impact.workQueue,
              }
            : undefined,
          plan: o.incident
            ? {
                playbook: o.incident.plan.playbook,
                actions: o.incident.plan.actions.map((a) => a.name),
                notes: o.incident.plan.notes,
              }
            : undefined,
          steps: o.incident
            ? Object.fromEntries(
                Object.entries(o.incident.steps).map(([k, v]) => [
                  k,
                  { status: v.status, detail: v.detail, error: v.error },
                ]),
              )
            : undefined,
          actions: o.incident?.actions.map((a) => ({
            name: a.name,
            target: a.target,
            status: a.status,
            detail: a.detail,
          })),
          alerts: o.alerts.map((a) => ({ stage: a.stage, subject: a.subject, attributes: a.attributes })),
          checks: o.checks,
        })),
      },
      2,
    );
    return pass ? 0 : 1;
  }
  if (opts.single) for (const o of outcomes) printSummary(o);
  else printTable(outcomes);
  console.log("");
  console.log(
    `${pass ? green("Drill passed") : red("Drill FAILED")} in ${seconds(opts.wallMs)} (${opts.where}${opts.where.startsWith("local") ? ", emulator start included" : ""}).`,
  );
  return pass ? 0 : 1;
}

/** `--all`: one table, then the expectations that failed, by scenario. */
function printTable(outcomes: Outcome[]): void {
  console.log("");
  console.log(
    table([
      [
        "scenario",
        "result",
        "incident",
        "tier",
        "playbook",
        "contain",
        "evidence",
        "checks",
        "alerts",
        "AWS calls",
      ].map(bold),
      ...outcomes.map((o) => [
        o.scenario,
        o.pass ? green("pass") : red("FAIL"),
        o.incidentId ?? "—",
        text(o.incident?.impact.tier ?? "—"),
        text(o.incident?.plan.playbook ?? "—"),
        o.timeToContainMs !== undefined
          ? seconds(o.timeToContainMs)
          : (o.incident?.steps.contain?.status ?? "—"),
        o.timeToEvidenceMs !== undefined
          ? seconds(o.timeToEvidenceMs)
          : (o.incident?.steps.manifest?.status ?? "—"),
        `${o.checks.filter((c) => c.pass).length}/${o.checks.length}`,
        [...new Set(o.alerts.map((a) => a.stage))].join(",") || "none",
        o.calls ? String(o.calls.total) : "—",
      ]),
    ]),
  );
  const failing = outcomes.filter((o) => !o.pass);
  if (failing.length) {
    console.log("");
    console.log(bold("Failed expectations"));
    for (const o of failing)
      for (const c of o.checks.filter((x) => !x.pass))
        console.log(
          `  ${o.scenario.padEnd(20)} ${red("FAIL")}  ${text(c.expectation)} ${dim(`— ${text(c.detail, 160)}`)}`,
        );
  }
}

function printSummary(o: Outcome): void {
  const inc = o.incident;
  console.log("");
  console.log(bold(`Summary — ${o.scenario}`));
  console.log(`  incident         ${o.incidentId ?? "none"}${inc ? ` (${text(inc.status)})` : ""}`);
  if (inc) {
    console.log(`  impact           ${text(inc.impact.tier).toUpperCase()} (score ${inc.impact.score}/100)`);
    for (const r of inc.impact.reasons) console.log(`                   ${dim("·")} ${text(r.text)}`);
    console.log(
      `  owner / queue    ${text(inc.impact.owner ?? "unknown")} / ${text(inc.impact.workQueue ?? "unknown")}`,
    );
    console.log(
      `  plan             ${text(inc.plan.playbook)}: ${inc.plan.actions.map((a) => text(a.name)).join(", ")}`,
    );
    for (const n of inc.plan.notes) console.log(`  note             ${text(n)}`);
  }
  console.log(
    `  time to contain  ${seconds(o.timeToContainMs)} ${dim("(event on the bus → containment verified)")}`,
  );
  console.log(
    `  time to evidence ${seconds(o.timeToEvidenceMs)} ${dim("(event on the bus → manifest written)")}`,
  );
  if (o.calls) console.log(`  AWS calls        ${o.calls.total} by the responder's functions`);
  if (inc?.actions.length) {
    console.log(bold("  actions"));
    console.log(stepsTable(inc.actions, "    "));
  }
  console.log(bold("  alerts received by a subscriber on the topic"));
  for (const a of o.alerts) console.log(`    ${text(a.stage).padEnd(20)} ${text(a.subject)}`);
  if (!o.alerts.length) console.log("    (none)");
  console.log(bold("  scorecard"));
  for (const c of o.checks)
    console.log(
      `    ${c.pass ? green("pass") : red("FAIL")}  ${text(c.expectation)} ${dim(`— ${text(c.detail)}`)}`,
    );
  console.log(
    `    ${o.pass ? green("PASS") : red("FAIL")}  ${o.checks.filter((c) => c.pass).length} of ${o.checks.length} expectations met`,
  );
}
