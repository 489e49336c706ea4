/**
 * `responder plan <file|->` — what the responder would do with an event, changing nothing:
 * the finding, the impact and its reasons, the playbook, and the AWS calls of each action.
 * Reads the affected resources from the account (read-only calls) when it can.
 */
import { autoScalingClient, ec2Client } from "../../shared/aws/clients.ts";
import { defaultPolicyFile, loadAwsConfig } from "../../shared/config/index.ts";
import type { ResourceContext } from "../../shared/domain/types.ts";
import { describeError } from "../../shared/errors/index.ts";
import { loadPolicy } from "../../shared/policy/index.ts";
import { resolveContexts } from "../../shared/resolve/context.ts";
import { describeAwsCalls } from "../../shared/triage/index.ts";
import { decide } from "../../shared/workflow/triage.ts";
import { bold, dim, printJson, progress, text } from "../output.ts";
import { readAndNormalize, reportIgnored } from "./ingest.ts";

export async function planCommand(args: {
  file?: string;
  json: boolean;
  policy?: string;
  offline: boolean;
}): Promise<number> {
  const read = await readAndNormalize(args.file, args.json);
  if (typeof read === "number") return read;
  const { intake, received } = read;
  if (intake.kind === "ignored") return reportIgnored(args.json, intake.reason, received);
  const finding = intake.finding;
  const policy = loadPolicy(args.policy ?? defaultPolicyFile());
  let contexts: ResourceContext[];
  let readNote = "read from the account (read-only calls)";
  try {
    if (args.offline) throw new Error("--offline");
    const aws = loadAwsConfig();
    contexts = (
      await resolveContexts(finding.resources, { ec2: ec2Client(aws), autoScaling: autoScalingClient(aws) })
    ).contexts;
  } catch (err) {
    readNote = `not read from the account (${describeError(err)}): tags from the event only`;
    contexts = finding.resources.map((resource) => ({
      resource,
      exists: true,
      tags: resource.tags ?? {},
      relatedTags: [],
      exposure: { publicIps: [], openIngress: [] },
    }));
  }
  const { impact, plan } = decide(finding, contexts, policy);
  const calls = describeAwsCalls(plan, contexts);
  if (args.json) {
    printJson({
      status: "planned",
      dryRun: true,
      ...(received.length ? { received } : {}),
      finding: { ...finding, raw: undefined },
      resources: readNote,
      impact,
      plan,
      calls,
    });
    return 0;
  }
  progress(dim(`resources ${text(readNote)}`));
  console.log(
    `${bold("Finding")}  ${text(finding.source)} ${text(finding.type)} (severity ${finding.severity}) on ${finding.resources.map((r) => `${r.kind} ${text(r.id)}`).join(", ")}`,
  );
  for (const w of finding.warnings ?? []) console.log(`           warning: ${text(w)}`);
  console.log(`${bold("Impact")}   ${impact.tier.toUpperCase()} — ${impact.score}/100`);
  for (const r of impact.reasons) console.log(`           · ${text(r.text)}`);
  console.log(`${bold("Playbook")} ${text(plan.playbook)}`);
  for (const n of plan.notes) console.log(`           note: ${text(n)}`);
  for (const c of calls) {
    console.log(`${bold(c.action)}`);
    for (const call of c.calls) console.log(`   ${text(call)}`);
  }
  console.log(dim("Dry run: nothing was changed."));
  return 0;
}
