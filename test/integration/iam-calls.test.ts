/**
 * Every AWS call of a full incident, simulated against the packaged IAM policies with an
 * independent policy simulator (the emulator enforces no IAM at all). The incident runs live on
 * the emulator (iam-incident.ts): triage, containment out of an Auto Scaling group and a target
 * group, snapshots, artifacts, the sealed manifest, a clean room built and destroyed, both
 * schedules, and an alarm through the intake topic. Each recorded call is turned into what AWS
 * authorises for it (test/support/iam/calls.ts) and decided against the function's role, and —
 * for the calls made with a member session — against the member read or act role, as if the
 * instance were in a member account; each function's AssumeRole of the member roles it used is
 * decided against its role and the member role's trust policy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNCTIONS, MEMBER_SESSIONS } from "../../shared/iam/permissions.ts";
import type { AccountPurpose } from "../../shared/runtime/accounts.ts";
import { type Simulated, simulateIncident } from "../support/iam/incident-simulation.ts";
import { type IamIncident, PURPOSE_KEYS, runIamIncident } from "./iam-incident.ts";

const purposeOfKey = Object.fromEntries(
  Object.entries(PURPOSE_KEYS).map(([purpose, key]) => [key, purpose as AccountPurpose]),
);
/** Services whose calls land in the affected resource's account, by the recorder's name: their IAM prefix. */
const TARGET_SERVICES: Record<string, string> = {
  EC2: "ec2",
  AutoScaling: "autoscaling",
  ElasticLoadBalancingV2: "elasticloadbalancing",
  CloudTrail: "cloudtrail",
  IAM: "iam",
  CloudFormation: "cloudformation",
};

describe("IAM: every call of a full incident, against the packaged roles", () => {
  let run: IamIncident;
  let simulated: Simulated[];

  beforeAll(async () => {
    run = await runIamIncident();
    simulated = await simulateIncident({
      calls: run.calls,
      state: run.state,
      account: run.world.account,
      region: run.world.region,
      purposeOfKey,
    });
    const counts: Record<string, Record<string, number>> = {};
    for (const s of simulated) {
      const fn = counts[s.fn] ?? {};
      fn[s.against] = (fn[s.against] ?? 0) + 1;
      counts[s.fn] = fn;
    }
    const calls = Object.fromEntries(
      Object.keys(FUNCTIONS).map((fn) => [fn, run.calls.filter((c) => c.scope === fn).length]),
    );
    console.info(
      `IAM simulation: calls per function ${JSON.stringify(calls)}; requests ${JSON.stringify(counts)}`,
    );
  });

  afterAll(async () => {
    await run?.stop();
  });

  it("runs every step of the incident, in every function", () => {
    const steps = run.incident.steps;
    expect(steps.contain?.status, JSON.stringify(steps.contain)).toBe("verified");
    expect(steps.snapshots?.status).toBe("ok");
    expect(steps.manifest?.status).toBe("ok");
    expect(steps.cleanroom?.status).toBe("ok");
    expect(steps["cleanroom-destroy"]).toBeDefined();
    expect(run.intakeIncident?.steps.triage?.status).toBe("ok");
    expect(Object.keys(FUNCTIONS).sort()).toEqual(["cleanroom", "contain", "evidence", "intake", "triage"]);
    for (const fn of Object.keys(FUNCTIONS))
      expect(run.calls.filter((c) => c.scope === fn).length, fn).toBeGreaterThan(0);
    // Out of the groups: the calls the protected-instance deny must cover ran.
    const ops = new Set(run.calls.map((c) => c.operation));
    for (const op of [
      "EnterStandby",
      "DeregisterTargets",
      "DisassociateAddress",
      "ModifyNetworkInterfaceAttribute",
    ])
      expect(ops, op).toContain(op);
  });

  it("makes every call in the affected account with a member session: triage and intake only read", () => {
    const target = run.calls.filter((c) => c.service in TARGET_SERVICES);
    const unlabelled = target.filter((c) => !c.accessKeyId || !(c.accessKeyId in purposeOfKey));
    const purposes = (fn: string) =>
      [...new Set(target.filter((c) => c.scope === fn).map((c) => purposeOfKey[c.accessKeyId ?? ""]))].sort();

    expect(unlabelled.map((c) => `${c.scope}: ${c.service}.${c.operation}`)).toEqual([]);
    expect(purposes("triage")).toEqual(["read"]);
    expect(purposes("intake")).toEqual(["read"]);
    expect(purposes("contain")).toEqual(["act"]);
    expect(purposes("cleanroom")).toEqual(["act"]);
    expect(purposes("evidence")).toEqual(["act", "read"]);
    // What shared/iam/permissions.ts declares (and the member roles are checked against) is what ran.
    for (const fn of Object.keys(FUNCTIONS)) {
      const seen = Object.fromEntries(
        target
          .filter((c) => c.scope === fn)
          .map((c) => [TARGET_SERVICES[c.service] ?? c.service, purposeOfKey[c.accessKeyId ?? ""]] as const),
      );
      expect(MEMBER_SESSIONS[fn], fn).toMatchObject(seen);
    }
  });

  it("allows every call each function makes, with its own role", () => {
    const refused = simulated.filter((s) => s.against === "function" && s.decision !== "Allowed");

    expect(refused.map(show)).toEqual([]);
    // HeadObject with a VersionId (the manifest's check of each artifact) was simulated as such.
    expect(simulated.some((s) => s.fn === "evidence" && s.request.action === "s3:GetObjectVersion")).toBe(
      true,
    );
  });

  it("allows every call made with a member session, with the member role of its purpose", () => {
    const member = simulated.filter((s) => s.against.startsWith("member-"));
    const refused = member.filter((s) => s.decision !== "Allowed");

    expect(member.length).toBeGreaterThan(50);
    expect(refused.map(show)).toEqual([]);
  });

  it("lets each function assume the member roles it uses, in a listed member account, with the external id", () => {
    const assumed = simulated.filter((s) => s.against === "assume");

    expect(assumed.map((s) => `${s.fn} → ${s.request.resource.split("/").pop()}`).sort()).toEqual(
      [
        "cleanroom → incident-responder-member",
        "contain → incident-responder-member",
        "evidence → incident-responder-member",
        "evidence → incident-responder-member-read",
        "intake → incident-responder-member-read",
        "triage → incident-responder-member-read",
      ].sort(),
    );
    expect(assumed.filter((s) => s.decision !== "Allowed").map(show)).toEqual([]);
  });
});

function show(s: Simulated): string {
  return `${s.fn} [${s.against}] ${s.decision}: ${s.request.action} on ${s.request.resource} ${JSON.stringify(
    s.request.context,
  )} (${s.request.why})`;
}
