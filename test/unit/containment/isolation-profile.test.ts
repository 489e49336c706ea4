/**
 * Which deny-all profile isolates an instance: EC2 attaches only a profile of the instance's own
 * account, so a member account's instance gets that account's profile, never the responder's.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { IncidentRecord } from "../../../shared/incident/model.ts";
import { isolationProfileFor, runContainment } from "../../../shared/workflow/contain.ts";
import { anIncident } from "../../support/incidents.ts";
import { policy, RecordingAlerter, RecordingBus, silentLog } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";
import { type Mocked, mockWorld, sampleWorld } from "./world.ts";

const OWN = "111122223333";
const MEMBER = "444455556666";
const OWN_PROFILE = `arn:aws:iam::${OWN}:instance-profile/incident-responder-prod-isolation-eu-west-1`;

const profiles = (over: Partial<Parameters<typeof isolationProfileFor>[0]> = {}) =>
  isolationProfileFor({
    ownAccount: async () => OWN,
    ownProfileArn: OWN_PROFILE,
    memberProfileName: "incident-responder-isolation",
    ...over,
  });

describe("isolationProfileFor", () => {
  it("uses the responder's own profile in the function's own account", async () => {
    expect(await profiles()(OWN)).toBe(OWN_PROFILE);
  });

  it("uses the member account's own profile, by its configured name, in any other account", async () => {
    expect(await profiles()(MEMBER)).toBe(
      `arn:aws:iam::${MEMBER}:instance-profile/incident-responder-isolation`,
    );
    expect(await profiles({ memberProfileName: "ir-deny-all" })(MEMBER)).toBe(
      `arn:aws:iam::${MEMBER}:instance-profile/ir-deny-all`,
    );
  });

  it("defaults the member profile's name to incident-responder-isolation", async () => {
    expect(await profiles({ memberProfileName: undefined })(MEMBER)).toBe(
      `arn:aws:iam::${MEMBER}:instance-profile/incident-responder-isolation`,
    );
  });

  it("keeps the partition of the responder's own profile", async () => {
    const resolve = profiles({ ownProfileArn: `arn:aws-cn:iam::${OWN}:instance-profile/iso` });

    expect(await resolve(MEMBER)).toBe(
      `arn:aws-cn:iam::${MEMBER}:instance-profile/incident-responder-isolation`,
    );
  });

  it("swaps no profile in its own account when none is configured, but still does in member accounts", async () => {
    const resolve = profiles({ ownProfileArn: undefined });

    expect(await resolve(OWN)).toBeUndefined();
    expect(await resolve(MEMBER)).toMatch(new RegExp(`^arn:aws:iam::${MEMBER}:instance-profile/`));
  });

  it("asks for the own account once per call, and acts on the answer", async () => {
    let asked = 0;
    const resolve = profiles({
      ownAccount: async () => {
        asked += 1;
        return MEMBER;
      },
    });

    expect(await resolve(MEMBER)).toBe(OWN_PROFILE);
    expect(asked).toBe(1);
  });
});

describe("runContainment in a member account", () => {
  let mocked: Mocked | undefined;
  afterEach(() => {
    mocked?.ec2.restore();
    mocked?.autoScaling.restore();
    mocked?.elbv2.restore();
    mocked = undefined;
  });

  /** An incident on the sample world's instance, in `account`, before containment ran. */
  function incidentIn(account: string): IncidentRecord {
    const base = anIncident({ account });
    return {
      ...base,
      finding: { ...base.finding, account, resources: [{ kind: "ec2-instance", id: "i-0abc" }] },
      plan: {
        ...base.plan,
        actions: [{ name: "contain-instance", params: {}, requiresApproval: false, targets: ["i-0abc"] }],
      },
      steps: {},
      containment: undefined,
      alerts: [],
      actions: [],
      timeline: [],
    } as IncidentRecord;
  }

  it.each([
    [MEMBER, `arn:aws:iam::${MEMBER}:instance-profile/incident-responder-isolation`],
    [OWN, OWN_PROFILE],
  ])("attaches the deny-all profile of the incident's account (%s)", async (account, expected) => {
    // Arrange
    mocked = mockWorld(sampleWorld());
    const world = mocked;
    const store = new MemoryStore();
    const incident = incidentIn(account);
    store.seed(incident);
    const clientsFor: string[] = [];

    // Act
    const outcomes = await runContainment(incident.incidentId, {
      store,
      alerter: new RecordingAlerter(),
      bus: new RecordingBus(),
      policy,
      log: silentLog,
      dryRun: false,
      evidenceBucket: "acme-evidence",
      isolationProfileFor: profiles(),
      clientsFor: async (acc) => {
        clientsFor.push(acc);
        return world.clients;
      },
    });

    // Assert
    expect(clientsFor).toEqual([account]);
    expect(outcomes?.map((o) => o.status)).toEqual(["verified"]);
    expect(world.world.profile?.arn).toBe(expected);
  });
});
