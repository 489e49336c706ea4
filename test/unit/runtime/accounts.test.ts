import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { RefusedError } from "../../../shared/errors/index.ts";
import { isTrustedMember } from "../../../shared/intake/account.ts";
import { AccountSessions, type AccountSessionsConfig } from "../../../shared/runtime/accounts.ts";

const OWN = "111111111111";
const MEMBER = "222222222222";
const base = { region: "eu-west-1", maxAttempts: 1 };
const sts = mockClient(STSClient);

function sessions(
  cfg: Partial<AccountSessionsConfig> & { trust?: Partial<AccountSessionsConfig["trust"]> } = {},
) {
  return new AccountSessions(new STSClient({ region: "eu-west-1" }), base, {
    memberRoleName: "incident-responder-member",
    memberReadRoleName: "incident-responder-member-read",
    memberExternalId: "ext-1234",
    ...cfg,
    trust: { memberAccounts: [MEMBER], ...cfg.trust },
  });
}

beforeEach(() => {
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: OWN });
  sts.on(AssumeRoleCommand).callsFake((input) => ({
    Credentials: {
      AccessKeyId: `AKIA-${input.RoleArn.split("/").pop()}`,
      SecretAccessKey: "s",
      SessionToken: "t",
      Expiration: new Date(Date.now() + 900_000),
    },
  }));
});

describe("AccountSessions", () => {
  it("uses the function's own credentials in its own account, for reads and changes", async () => {
    const s = sessions();

    expect(await s.optionsFor(OWN, "ir-1", "read")).toBe(base);
    expect(await s.optionsFor(OWN, "ir-1", "act")).toBe(base);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it("assumes the read role to read and the act role to act, with the external id", async () => {
    const s = sessions();

    const read = await s.optionsFor(MEMBER, "ir-1", "read");
    const act = await s.optionsFor(MEMBER, "ir-1", "act");

    const roles = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(roles.map((r) => r.RoleArn)).toEqual([
      `arn:aws:iam::${MEMBER}:role/incident-responder-member-read`,
      `arn:aws:iam::${MEMBER}:role/incident-responder-member`,
    ]);
    expect(
      roles.every((r) => r.ExternalId === "ext-1234" && r.RoleSessionName === "incident-responder-ir-1"),
    ).toBe(true);
    expect((read.credentials as { accessKeyId: string }).accessKeyId).toBe(
      "AKIA-incident-responder-member-read",
    );
    expect((act.credentials as { accessKeyId: string }).accessKeyId).toBe("AKIA-incident-responder-member");
  });

  it("keeps each role's session until near its expiry", async () => {
    const s = sessions();
    await s.optionsFor(MEMBER, "ir-1", "read");
    await s.optionsFor(MEMBER, "ir-2", "read");
    await s.optionsFor(MEMBER, "ir-2", "act");

    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it("refuses an account that is not listed, without asking STS for it", async () => {
    const s = sessions();

    await expect(s.optionsFor("333333333333", "ir-1", "read")).rejects.toThrow(RefusedError);
    await expect(s.optionsFor("333333333333", "ir-1", "act")).rejects.toThrow(
      /not one the responder may act in/,
    );
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it("refuses every other account when neither accounts nor an organisation are configured", async () => {
    const s = sessions({ trust: { memberAccounts: [] } });

    await expect(s.optionsFor(MEMBER, "ir-1", "read")).rejects.toThrow(/no ORGANIZATION_ID/);
  });

  it("refuses a malformed account id", async () => {
    await expect(sessions().optionsFor("12345", "ir-1", "read")).rejects.toThrow(/not an account id/);
  });

  it("reads with the act role's name when no read role is configured", async () => {
    const s = sessions({ memberReadRoleName: undefined });
    await s.optionsFor(MEMBER, "ir-1", "read");

    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleArn).toBe(
      `arn:aws:iam::${MEMBER}:role/incident-responder-member`,
    );
  });
});

describe("isTrustedMember", () => {
  it("allows the listed accounts, or with an organisation and no list any account", () => {
    expect(isTrustedMember(MEMBER, { memberAccounts: [MEMBER] })).toBe(true);
    expect(
      isTrustedMember("333333333333", { memberAccounts: [MEMBER], organizationId: "o-abcdefghij" }),
    ).toBe(false);
    expect(isTrustedMember("333333333333", { memberAccounts: [], organizationId: "o-abcdefghij" })).toBe(
      true,
    );
    expect(isTrustedMember("333333333333", { memberAccounts: [] })).toBe(false);
  });
});
