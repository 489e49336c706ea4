/**
 * The security baseline of a monitored account, created in the emulator so that the local
 * account looks like one the responder is deployed for: an enabled GuardDuty detector, a
 * logging CloudTrail trail recording management events, Security Hub, and a recording AWS
 * Config recorder. Local only (operator code): in AWS these belong to the account's owners,
 * and `responder preflight` only reads them. Idempotent.
 */
import {
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from "@aws-sdk/client-cloudtrail";
import {
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
} from "@aws-sdk/client-config-service";
import { CreateDetectorCommand, ListDetectorsCommand } from "@aws-sdk/client-guardduty";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { EnableSecurityHubCommand } from "@aws-sdk/client-securityhub";
import {
  type ClientOptions,
  cloudTrailClient,
  configServiceClient,
  guardDutyClient,
  s3Client,
  securityHubClient,
} from "../../shared/aws/clients.ts";
import { errorCode } from "../../shared/aws/errors.ts";

const NAME = "local-baseline";

async function ignoring(call: Promise<unknown>, codes: string[]): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!codes.includes(errorCode(err) ?? "")) throw err;
  }
}

/** Creates (or finds) the account's detector, trail, hub and Config recorder in the emulator. */
export async function seedSecurityBaseline(aws: ClientOptions, account: string): Promise<void> {
  const gd = guardDutyClient(aws);
  if (((await gd.send(new ListDetectorsCommand({}))).DetectorIds ?? []).length === 0)
    await gd.send(new CreateDetectorCommand({ Enable: true }));

  const bucket = `${NAME}-${account}-${aws.region}`;
  await ignoring(
    s3Client(aws).send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(aws.region === "us-east-1"
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: aws.region as never } }),
      }),
    ),
    ["BucketAlreadyOwnedByYou"],
  );
  const ct = cloudTrailClient(aws);
  await ignoring(
    ct.send(new CreateTrailCommand({ Name: NAME, S3BucketName: bucket, IsMultiRegionTrail: true })),
    ["TrailAlreadyExistsException"],
  );
  await ct.send(
    new PutEventSelectorsCommand({
      TrailName: NAME,
      EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }],
    }),
  );
  await ct.send(new StartLoggingCommand({ Name: NAME }));

  await ignoring(securityHubClient(aws).send(new EnableSecurityHubCommand({})), [
    "ResourceConflictException",
  ]);

  const cfg = configServiceClient(aws);
  await cfg.send(
    new PutConfigurationRecorderCommand({
      ConfigurationRecorder: {
        name: NAME,
        roleARN: `arn:aws:iam::${account}:role/${NAME}`,
        recordingGroup: { allSupported: true },
      },
    }),
  );
  await cfg.send(new PutDeliveryChannelCommand({ DeliveryChannel: { name: NAME, s3BucketName: bucket } }));
  await cfg.send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: NAME }));
}
