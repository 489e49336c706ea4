/**
 * The `responder` command line.
 */
import { parseArgs } from "node:util";
import { describeError, ResponderError } from "../shared/errors/index.ts";
import { cleanroomCommand } from "./commands/cleanroom.ts";
import { closeCommand, decideCommand } from "./commands/decide.ts";
import { drillCommand } from "./commands/drill.ts";
import { imageCommand } from "./commands/image.ts";
import { ingestCommand, UsageError } from "./commands/ingest.ts";
import { localUpCommand } from "./commands/local.ts";
import { planCommand } from "./commands/plan.ts";
import { preflightCommand } from "./commands/preflight.ts";
import { releaseCommand } from "./commands/release.ts";
import { reportCommand } from "./commands/report.ts";
import { deadLettersCommand, statusCommand } from "./commands/status.ts";
import { verifyCommand } from "./commands/verify.ts";
import { printJson } from "./output.ts";
import { installTerminalFilter } from "./terminal.ts";

const USAGE = `Usage: responder <command> [options]

Commands:
  drill [--scenario NAME | --all] [--json]   run a local drill end to end (the default job)
  drill --scenario NAME --target i-… [--profile P] [--region R] [--stage S] [--timeout S] [--json]
                                             drill through the deployed responder, on an instance
                                             tagged incident-responder:drill=true (refused otherwise)
  local up [--port N] [--demo] [--json]      start the local responder; prints one JSON line when ready
                                             (--demo also seeds the drill's demo account)
                                             drill and local up offer to install the local emulator (moto)
                                             when it is missing; --no-install prints the commands instead
  ingest <file|-> [--json] [--timeout S]     put an EventBridge event on the bus and wait for the incident
  plan <file|-> [--json] [--offline]         what the responder would do with an event (dry run)
                                             ingest and plan also take an SNS delivery (unwrapped as the
                                             intake does) or a bare CloudTrail record, GuardDuty or ASFF
                                             finding (wrapped as EventBridge would, saying so)
  status [incidentId] [--json]               list open incidents, or show one incident's timeline
  report <incidentId> [--out DIR] [--json]   write DIR/<id>.md and DIR/<id>.html (self-contained, with a chart)
  approve <incidentId> [--reason TEXT]       approve the actions waiting for a person
  deny <incidentId> [--reason TEXT]          deny them: they will not run
  release <incidentId> [--force] [--dry-run] restore isolated instances to their pre-isolation state
  close <incidentId> [--reason TEXT]         close the incident (alerted; isolation and evidence stay)
  verify <incidentId> [--restore] [--json]   re-hash every archived artifact against the manifest
  image <incidentId> <snapshotId> [--parent <snapshotId>] [--json]
                                             a raw disk image of an evidence snapshot (EBS direct APIs)
                                             into the evidence bucket; --parent also lists the blocks
                                             changed since that snapshot; an interrupted run resumes
  deadletters [--json]                       list events that could not be handled
  preflight [--json] [--stage S]             prove the responder's access works before it is needed:
                                             a check table per account and region; exit 1 on any fail
  cleanroom create <incidentId> [--timeout S] [--json]
                                             launch the incident's clean room and wait until it is ready
  cleanroom destroy <incidentId> [--timeout S] [--json]
                                             delete the incident's clean room and wait until it is gone

Environment: AWS_ENDPOINT_URL (a local emulator), AWS_REGION, AWS_PROFILE.`;

const OPTIONS = {
  json: { type: "boolean", default: false },
  scenario: { type: "string" },
  all: { type: "boolean", default: false },
  port: { type: "string" },
  timeout: { type: "string" },
  stage: { type: "string" },
  force: { type: "boolean", default: false },
  offline: { type: "boolean", default: false },
  restore: { type: "boolean", default: false },
  "dry-run": { type: "boolean", default: false },
  demo: { type: "boolean", default: false },
  "no-install": { type: "boolean", default: false },
  policy: { type: "string" },
  target: { type: "string" },
  profile: { type: "string" },
  region: { type: "string" },
  reason: { type: "string" },
  out: { type: "string" },
  parent: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

function port(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new UsageError(`--port must be a port number, not ${value}`);
  return n;
}

/** Runs the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  // Whatever an incident's text holds, the terminal gets no escape sequence the CLI did not write.
  installTerminalFilter(process.stdout);
  installTerminalFilter(process.stderr);
  // A local emulator accepts any credentials: do not make people invent some.
  if (process.env.AWS_ENDPOINT_URL && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
    process.env.AWS_ACCESS_KEY_ID = "testing";
    process.env.AWS_SECRET_ACCESS_KEY = "testing";
  }
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const {
    values: v,
    positionals: [command, ...rest],
  } = parsed;
  if (v.help || !command) {
    console.log(USAGE);
    return command || v.help ? 0 : 2;
  }
  try {
    switch (command) {
      case "cleanroom":
        return await cleanroomCommand({
          ...(rest[0] ? { action: rest[0] } : {}),
          ...(rest[1] ? { incidentId: rest[1] } : {}),
          json: v.json,
          timeoutSeconds: v.timeout ? Number(v.timeout) : 600,
          ...(v.stage ? { stage: v.stage } : {}),
        });
      case "drill":
        return await drillCommand({
          ...(v.scenario ? { scenario: v.scenario } : {}),
          all: v.all,
          json: v.json,
          ...(port(v.port) ? { port: port(v.port) } : {}),
          ...(v.target ? { target: v.target } : {}),
          ...(v.profile ? { profile: v.profile } : {}),
          ...(v.region ? { region: v.region } : {}),
          ...(v.stage ? { stage: v.stage } : {}),
          ...(v.timeout ? { timeoutSeconds: Number(v.timeout) } : {}),
          noInstall: v["no-install"],
        });
      case "local":
        if (rest[0] !== "up") throw new UsageError("usage: responder local up [--port N] [--json]");
        return await localUpCommand({
          json: v.json,
          demo: v.demo,
          noInstall: v["no-install"],
          ...(port(v.port) ? { port: port(v.port) } : {}),
        });
      case "ingest":
        return await ingestCommand({
          ...(rest[0] ? { file: rest[0] } : {}),
          json: v.json,
          timeoutSeconds: v.timeout ? Number(v.timeout) : 60,
          ...(v.stage ? { stage: v.stage } : {}),
        });
      case "plan":
        return await planCommand({
          ...(rest[0] ? { file: rest[0] } : {}),
          json: v.json,
          offline: v.offline,
          ...(v.policy ? { policy: v.policy } : {}),
        });
      case "status":
        return await statusCommand({
          ...(rest[0] ? { incidentId: rest[0] } : {}),
          json: v.json,
          ...(v.stage ? { stage: v.stage } : {}),
        });
      case "release":
        return await releaseCommand({
          ...(rest[0] ? { incidentId: rest[0] } : {}),
          force: v.force,
          dryRun: v["dry-run"],
          json: v.json,
          ...(v.stage ? { stage: v.stage } : {}),
        });
      case "verify":
        return await verifyCommand({
          ...(rest[0] ? { incidentId: rest[0] } : {}),
          restore: v.restore,
          json: v.json,
          ...(v.stage ? { stage: v.stage } : {}),
        });
      case "image":
        return await imageCommand({
          ...(rest[0] ? { incidentId: rest[0] } : {}),
          ...(rest[1] ? { snapshotId: rest[1] } : {}),
          ...(v.parent ? { parent: v.parent } : {}),
          json: v.json,
          ...(v.stage ? { stage: v.stage } : {}),
        });
      case "report":
        return await reportCommand({
          ...(rest[0] ? { incidentId: rest[0] } : {}),
          ...(v.out ? { out: v.out } : {}),
          json: v.json,
          ...(v.stage ? { stage: v.stage } : {}),
        });
      case "approve":
      case "deny":
        return await decideCommand({
          decision: command === "approve" ? "approved" : "denied",
          ...(rest[0] ? { incidentId: rest[0] } : {}),
          ...(v.reason ? { reason: v.reason } : {}),
          json: v.json,
          ...(v.stage ? { stage: v.stage } : {}),
        });
      case "close":
        return await closeCommand({
          ...(rest[0] ? { incidentId: rest[0] } : {}),
          ...(v.reason ? { reason: v.reason } : {}),
          json: v.json,
          ...(v.stage ? { stage: v.stage } : {}),
        });
      case "preflight":
        return await preflightCommand({ json: v.json, ...(v.stage ? { stage: v.stage } : {}) });
      case "deadletters":
        return await deadLettersCommand({ json: v.json, ...(v.stage ? { stage: v.stage } : {}) });
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (v.json) printJson({ status: "error", error: describeError(err) });
    else console.error(`responder: ${err instanceof ResponderError ? err.message : describeError(err)}`);
    return 1;
  }
}
