/**
 * How CLI commands find the responder: against an emulator endpoint (AWS_ENDPOINT_URL), the
 * resources are provisioned idempotently from serverless.yml and so always known; against
 * AWS, they are read from the deployed stack's outputs.
 */
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { type ClientOptions, cfnClient, dynamoDocClient } from "../shared/aws/clients.ts";
import { loadAwsConfig, type ResponderResources } from "../shared/config/index.ts";
import { ConfigError } from "../shared/errors/index.ts";
import { DynamoIncidentStore } from "../shared/incident/store.ts";
import { provisionLocal, resourcesFromOutputs } from "./local/environment.ts";

export interface Connection {
  aws: ClientOptions;
  resources: ResponderResources;
  store: DynamoIncidentStore;
  account: string;
  local: boolean;
}

/** Connects to the responder named by the environment (and `--stage`). */
export async function connect(stage = "dev"): Promise<Connection> {
  const aws = loadAwsConfig();
  if (aws.endpoint) {
    const local = await provisionLocal(aws);
    return {
      aws,
      resources: local.resources,
      store: new DynamoIncidentStore(dynamoDocClient(aws), local.resources.incidentTable),
      account: local.context.accountId,
      local: true,
    };
  }
  const stackName = `incident-responder-${stage}`;
  const cfn = cfnClient(aws);
  const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName })).catch((err) => {
    throw new ConfigError(
      `cannot read stack ${stackName} in ${aws.region}: ${(err as Error).message}. Deploy first, or set AWS_ENDPOINT_URL for a local emulator.`,
    );
  });
  const outputs = Object.fromEntries(
    (out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? "", o.OutputValue ?? ""]),
  );
  const resources = resourcesFromOutputs(outputs);
  const account = out.Stacks?.[0]?.StackId?.split(":")[4] ?? "";
  return {
    aws,
    resources,
    store: new DynamoIncidentStore(dynamoDocClient(aws), resources.incidentTable),
    account,
    local: false,
  };
}
