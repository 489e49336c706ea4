import { EC2Client, LockSnapshotCommand } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { lockSnapshots, lockStatus } from "../../../shared/capture/snapshots.ts";
import type { ActionResult } from "../../../shared/domain/types.ts";

const ec2 = mockClient(EC2Client);
const lock = { mode: "governance" as const, days: 30 };
/** The emulator's answer to an action it lacks: an HTML 500 page the SDK cannot parse. */
const notImplemented = () =>
  Object.assign(new Error("Deserialization error: to see the raw response, inspect the hidden field"), {
    $metadata: { httpStatusCode: 500 },
  });

describe("lockSnapshots", () => {
  beforeEach(() => ec2.reset());

  it("locks each snapshot in the mode and for the days asked", async () => {
    ec2.on(LockSnapshotCommand).resolves({});

    const results = await lockSnapshots(new EC2Client({}), ["snap-0a", "snap-0b"], lock);

    expect(results.map((r) => r.status)).toEqual(["ok", "ok"]);
    expect(ec2.commandCalls(LockSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      { SnapshotId: "snap-0a", LockMode: "governance", LockDuration: 30 },
      { SnapshotId: "snap-0b", LockMode: "governance", LockDuration: 30 },
    ]);
  });

  it("says unsupported, never ok, where the endpoint lacks LockSnapshot", async () => {
    ec2.on(LockSnapshotCommand).rejects(notImplemented());

    const results = await lockSnapshots(new EC2Client({}), ["snap-0a"], lock);

    expect(results).toEqual([expect.objectContaining({ status: "unsupported", target: "snap-0a" })]);
    expect(lockStatus(results)).toBe("unsupported");
  });
});

describe("lockStatus", () => {
  const r = (status: ActionResult["status"]): ActionResult => ({
    name: "snapshot-lock",
    target: "s",
    status,
    detail: "",
  });

  it("is ok only when every snapshot is locked", () => {
    expect(lockStatus([r("ok"), r("ok")])).toBe("ok");
    expect(lockStatus([r("ok"), r("unsupported")])).toBe("partial");
    expect(lockStatus([r("ok"), r("failed")])).toBe("partial");
    expect(lockStatus([r("failed"), r("failed")])).toBe("failed");
    expect(lockStatus([])).toBe("skipped");
  });
});
