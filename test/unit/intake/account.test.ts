import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { actingAccount, isTrustedMember, normalizeEvent, wrapDrill } from "../../../shared/intake/index.ts";
import { clone, fixture } from "./helpers.ts";

const ADMIN = "111111111111";
const MEMBER = "222222222222";
const OTHER = "333333333333";

/** A real-format GuardDuty finding (not a sample) whose body names `body` and whose envelope says `envelope`. */
function finding(body: string, envelope: string) {
  const e = clone(fixture("guardduty/Backdoor_EC2_C_CActivity.B_DNS.json")) as {
    account: string;
    detail: { accountId: string; service: { additionalInfo: Record<string, unknown> } };
  };
  e.account = envelope;
  e.detail.accountId = body;
  delete e.detail.service.additionalInfo.sample;
  return e;
}

describe("the account an event may act in", () => {
  it("is the envelope's account when the body names the same one", () => {
    const out = normalizeEvent(finding(MEMBER, MEMBER));
    expect(out.kind === "finding" && out.finding.account).toBe(MEMBER);
  });

  it("refuses a body that names another account when the sender is no delegated administrator", () => {
    // Arrange: an account forwards a finding that claims to be about another account
    const event = finding(OTHER, MEMBER);

    // Act
    const err = (() => {
      try {
        normalizeEvent(event, { trust: { delegatedAdminAccounts: [ADMIN], memberAccounts: [OTHER] } });
      } catch (e) {
        return e;
      }
    })();

    // Assert
    expect(err).toBeInstanceOf(InvalidEventError);
    expect((err as InvalidEventError).path).toBe("detail.accountId");
    expect((err as Error).message).toContain(`came from account ${MEMBER}`);
  });

  it("believes a delegated administrator about a listed member, and acts in the member", () => {
    const out = normalizeEvent(finding(MEMBER, ADMIN), {
      trust: { delegatedAdminAccounts: [ADMIN], memberAccounts: [MEMBER] },
    });
    expect(out.kind === "finding" && out.finding.account).toBe(MEMBER);
  });

  it("refuses a delegated administrator's finding about an account that is not a member", () => {
    expect(() =>
      normalizeEvent(finding(OTHER, ADMIN), {
        trust: { delegatedAdminAccounts: [ADMIN], memberAccounts: [MEMBER] },
      }),
    ).toThrow(/not a member the responder may act in/);
  });

  it("with an organisation and no member list, believes the administrator about any account", () => {
    const trust = { delegatedAdminAccounts: [ADMIN], memberAccounts: [], organizationId: "o-abcdefghij" };
    expect(isTrustedMember(OTHER, trust)).toBe(true);
    expect(isTrustedMember(OTHER, { ...trust, organizationId: undefined })).toBe(false);
    expect(actingAccount(OTHER, ADMIN, trust, "x")).toBe(OTHER);
  });

  it("judges a drill by the account that sent it, not by the account its wrapped event claims", () => {
    // Arrange: the wrapped event's own envelope agrees with its body, but the drill came from MEMBER
    const inner = finding(OTHER, OTHER);
    const drill = { ...wrapDrill(inner, "x"), account: MEMBER };

    // Act / Assert
    expect(() => normalizeEvent(drill)).toThrow(
      /detail\.event\.detail\.accountId: names account 333333333333/,
    );
  });

  it("takes the delivering account from the caller when it knows better (an SNS topic's account)", () => {
    expect(() => normalizeEvent(finding(MEMBER, MEMBER), { envelopeAccount: ADMIN })).toThrow(
      /came from account 111111111111/,
    );
  });
});
