/**
 * `responder local up` — the local responder as a long-running service: emulator (or
 * AWS_ENDPOINT_URL), resources, routes and runner; one JSON line on stdout when ready.
 */
import { ec2Client, iamClient, snsClient, sqsClient } from "../../shared/aws/clients.ts";
import { runPreflight } from "../../shared/preflight/run.ts";
import { drainAlerts, subscribeAlerts } from "../drill/run.ts";
import { seedSecurityBaseline } from "../local/baseline.ts";
import { seedDemoAccount } from "../local/demo.ts";
import { LOCAL_STAGE } from "../local/environment.ts";
import { startLocalSession } from "../local/session.ts";
import { motoOptions } from "../moto.ts";
import { dim, printJson, progress } from "../output.ts";
import { preflightPlan, preflightTable } from "./preflight.ts";

export async function localUpCommand(args: {
  port?: number;
  json: boolean;
  demo: boolean;
  noInstall?: boolean;
}): Promise<number> {
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  const session = await startLocalSession({
    ...(args.port ? { port: args.port } : {}),
    moto: motoOptions(Boolean(args.noInstall)),
    onInvocation: (inv) => {
      const ev = inv.event as { "detail-type"?: string; detail?: { incidentId?: string } };
      const result = inv.error ? `error: ${inv.error}` : JSON.stringify(inv.result)?.slice(0, 120);
      progress(
        dim(
          `${new Date().toISOString()} ${inv.functionName} ← ${ev?.["detail-type"] ?? "?"} (${inv.ms} ms, attempt ${inv.attempt}): ${result}`,
        ),
      );
    },
  });
  // --demo: the drill's demo account, so that events can name real instances.
  const demo = args.demo ? await seedDemoAccount(ec2Client(session.aws), iamClient(session.aws)) : undefined;
  const ready = {
    endpoint: session.emulator.endpoint,
    region: session.aws.region,
    resources: {
      evidenceBucket: session.local.resources.evidenceBucket,
      incidentTable: session.local.resources.incidentTable,
      alertTopicArn: session.local.resources.alertTopicArn,
      eventBusName: session.local.resources.eventBusName,
    },
    ...(demo
      ? {
          demo: Object.fromEntries(
            Object.values(demo.instances).map((i) => [i.name, { instanceId: i.instanceId, tags: i.tags }]),
          ),
        }
      : {}),
  };
  // The emulator's account as a monitored one (GuardDuty, CloudTrail, Security Hub, Config), and
  // this terminal as the alert topic's subscriber: then preflight, once, on stderr.
  const account = session.local.context.accountId;
  await seedSecurityBaseline(session.aws, account);
  const sqs = sqsClient(session.aws);
  const alerts = await subscribeAlerts(
    { sqs, sns: snsClient(session.aws) },
    session.local.resources.alertTopicArn,
    `${session.local.context.stackName}-local-up-alerts`,
  );
  const listening = setInterval(() => {
    drainAlerts(sqs, alerts).then(
      (got) => {
        for (const a of got) progress(`${new Date().toISOString()} alert: ${a.subject}`);
      },
      () => undefined,
    );
  }, 2000);
  const preflight = await runPreflight(
    preflightPlan({
      aws: session.aws,
      resources: session.local.resources,
      account,
      stage: LOCAL_STAGE,
      local: true,
    }),
  );
  progress(preflightTable(preflight));
  printJson(ready);
  if (!args.json) {
    progress(`Local responder ready at ${ready.endpoint}. In another shell:`);
    progress(`  export AWS_ENDPOINT_URL=${ready.endpoint} AWS_REGION=${ready.region}`);
    progress("  responder ingest <event.json>");
    progress("Stop with Ctrl-C.");
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  progress("Stopping the local responder…");
  clearInterval(listening);
  await session.stop();
  return 0;
}
