/**
 * `responder drill` — the main job: a complete local drill against the embedded emulator.
 * Starts the emulator, provisions the responder from serverless.yml, seeds a demo account,
 * sends a real-format finding as a drill, follows the incident stage by stage, and checks
 * the outcome against the scenario's expectations.
 */
import {
  dynamoDocClient,
  ec2Client,
  eventsClient,
  iamClient,
  s3Client,
  snsClient,
  sqsClient,
} from "../../shared/aws/clients.ts";
import { type CallRecord, setCallRecorder } from "../../shared/aws/instrument.ts";
import { type DrillOutcome, runDrill, subscribeAlerts } from "../../shared/drill/run.ts";
import { scenario as findScenario, SCENARIOS, type Scenario } from "../../shared/drill/scenarios.ts";
import { DynamoIncidentStore } from "../../shared/incident/store.ts";
import { seedDemoAccount } from "../../shared/local/demo.ts";
import { startLocalSession } from "../../shared/local/session.ts";
import { bold, dim, green, progress, red, seconds, statusColour, table } from "../output.ts";

export interface DrillArgs {
  scenario?: string;
  all: boolean;
  json: boolean;
  port?: number;
}

interface CallStats {
  total: number;
  byOperation: Record<string, number>;
}

function callStats(calls: CallRecord[]): CallStats {
  const byOperation: Record<string, number> = {};
  for (const c of calls)
    byOperation[`${c.service}:${c.operation}`] = (byOperation[`${c.service}:${c.operation}`] ?? 0) + 1;
  return { total: calls.length, byOperation };
}

export async function drillCommand(args: DrillArgs): Promise<number> {
  const started = Date.now();
  const scenarios: Scenario[] = args.all ? SCENARIOS : [findScenario(args.scenario ?? "c2")];
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  progress(bold("Incident Responder — local drill"));
  progress(dim("Starting the local AWS emulator and the responder…"));
  const session = await startLocalSession({ ...(args.port ? { port: args.port } : {}), maxAttempts: 2 });
  const { aws, local } = session;
  progress(
    `  emulator ${session.emulator.endpoint} ${dim(`(${seconds(session.timings.emulatorMs)}${session.emulator.owned ? "" : ", borrowed"})`)}; ` +
      `resources from serverless.yml ${dim(`(${seconds(session.timings.provisionMs)})`)}; event routes ${dim(`(${seconds(session.timings.routesMs)})`)}`,
  );
  const outcomes: (DrillOutcome & { calls: CallStats })[] = [];
  try {
    const ec2 = ec2Client(aws);
    const tSeed = Date.now();
    const demo = await seedDemoAccount(ec2, iamClient(aws));
    progress(
      `  demo account: ${Object.values(demo.instances)
        .map((i) => `${i.name} ${dim(i.instanceId)}`)
        .join(", ")} ${dim(`(${seconds(Date.now() - tSeed)})`)}`,
    );
    const clients = {
      ec2,
      events: eventsClient(aws),
      s3: s3Client(aws),
      sqs: sqsClient(aws),
      sns: snsClient(aws),
    };
    const alertQueueUrl = await subscribeAlerts(
      clients,
      local.resources.alertTopicArn,
      "drill-alert-subscriber",
    );
    const store = new DynamoIncidentStore(dynamoDocClient(aws), local.resources.incidentTable);
    for (const s of scenarios) {
      const target = demo.instances[s.demoTarget];
      progress("");
      progress(`${bold(`Scenario ${s.name}`)}: ${s.description}`);
      progress(
        dim(
          `  target ${target.name} (${target.instanceId}): ${target.interfaces} interfaces, ${target.volumes} volumes`,
        ),
      );
      const calls: CallRecord[] = [];
      setCallRecorder((c) => {
        if (c.scope) calls.push(c);
      });
      const outcome = await runDrill(
        s,
        { instanceId: target.instanceId, account: local.context.accountId, region: aws.region },
        {
          clients,
          store,
          resources: local.resources,
          alertQueueUrl,
          onEntry: (e, ms) =>
            progress(
              `  ${dim(`+${(ms / 1000).toFixed(2)} s`.padStart(9))}  ${e.step.padEnd(10)} ${statusColour(e.status)}  ${e.detail.slice(0, 110)}`,
            ),
          afterSettled: async () => {
            await session.runner.idle(400, 20_000);
          },
        },
      );
      setCallRecorder(undefined);
      outcomes.push({ ...outcome, calls: callStats(calls) });
    }
  } finally {
    await session.stop();
  }
  const wallMs = Date.now() - started;
  const pass = outcomes.every((o) => o.pass) && outcomes.length > 0;
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          pass,
          wallMs,
          emulator: session.emulator.endpoint,
          scenarios: outcomes.map((o) => ({
            scenario: o.scenario,
            pass: o.pass,
            incidentId: o.incidentId,
            target: o.target,
            timeToContainMs: o.timeToContainMs,
            timeToEvidenceMs: o.timeToEvidenceMs,
            awsCalls: o.calls,
            impact: o.incident
              ? {
                  score: o.incident.impact.score,
                  tier: o.incident.impact.tier,
                  reasons: o.incident.impact.reasons.map((r) => r.text),
                }
              : undefined,
            actions: o.incident?.actions.map((a) => ({
              name: a.name,
              target: a.target,
              status: a.status,
              detail: a.detail,
            })),
            alerts: o.alerts.map((a) => ({ stage: a.stage, subject: a.subject })),
            checks: o.checks,
          })),
        },
        null,
        2,
      )}\n`,
    );
    return pass ? 0 : 1;
  }
  for (const o of outcomes) printSummary(o);
  if (outcomes.length > 1) {
    console.log("");
    console.log(
      table([
        ["scenario", "result", "incident", "tier", "contain", "evidence", "AWS calls"].map(bold),
        ...outcomes.map((o) => [
          o.scenario,
          o.pass ? green("pass") : red("FAIL"),
          o.incidentId ?? "—",
          o.incident?.impact.tier ?? "—",
          seconds(o.timeToContainMs),
          seconds(o.timeToEvidenceMs),
          String(o.calls.total),
        ]),
      ]),
    );
  }
  console.log("");
  console.log(
    `${pass ? green("Drill passed") : red("Drill FAILED")} in ${seconds(wallMs)} (emulator start included).`,
  );
  return pass ? 0 : 1;
}

function printSummary(o: DrillOutcome & { calls: CallStats }): void {
  const inc = o.incident;
  console.log("");
  console.log(bold(`Summary — ${o.scenario}`));
  console.log(`  incident        ${o.incidentId ?? "none"}`);
  if (inc) {
    console.log(`  impact          ${inc.impact.tier.toUpperCase()} (score ${inc.impact.score}/100)`);
    for (const r of inc.impact.reasons) console.log(`                  ${dim("·")} ${r.text}`);
    if (inc.plan.notes.length) for (const n of inc.plan.notes) console.log(`  note            ${n}`);
    console.log(`  time to contain ${seconds(o.timeToContainMs)} (event on the bus → containment verified)`);
    console.log(`  time to evidence ${seconds(o.timeToEvidenceMs)} (event on the bus → manifest written)`);
    console.log(`  AWS calls       ${o.calls.total} by the responder's functions`);
    console.log(bold("  actions"));
    console.log(
      table(
        inc.actions.map((a) => [
          `    ${a.name}`,
          a.target,
          statusColour(a.status),
          dim(a.detail.slice(0, 90)),
        ]),
      ),
    );
  }
  console.log(bold("  alerts received by a subscriber on the topic"));
  for (const a of o.alerts) console.log(`    ${a.stage.padEnd(20)} ${a.subject}`);
  if (!o.alerts.length) console.log("    (none)");
  console.log(bold("  scorecard"));
  for (const c of o.checks)
    console.log(`    ${c.pass ? green("pass") : red("FAIL")}  ${c.expectation} ${dim(`— ${c.detail}`)}`);
}
