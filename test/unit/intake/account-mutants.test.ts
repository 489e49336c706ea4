/**
 * actingAccount when the configuration names no delegated administrators at all, and the
 * default trust used when nothing is configured.
 */
import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { type AccountTrust, actingAccount, NO_TRUST } from "../../../shared/intake/account.ts";

describe("actingAccount without a delegated-administrator list", () => {
  it("refuses a claim about another account with an InvalidEventError naming the claim", () => {
    // Arrange: a trust configuration that leaves delegatedAdminAccounts out entirely
    const trust: AccountTrust = { memberAccounts: ["222222222222"] };

    // Act
    let caught: unknown;
    try {
      actingAccount("222222222222", "111111111111", trust, "detail.accountId");
    } catch (err) {
      caught = err;
    }

    // Assert
    expect(caught).toBeInstanceOf(InvalidEventError);
    expect((caught as InvalidEventError).path).toBe("detail.accountId");
    expect((caught as InvalidEventError).message).toBe(
      "detail.accountId: names account 222222222222, but the event came from account 111111111111, which is not a configured delegated administrator (DELEGATED_ADMIN_ACCOUNTS): a finding may only make the responder act in the account that sent it",
    );
  });
});

describe("NO_TRUST, the trust used when nothing is configured", () => {
  it("names no delegated administrator and no member account", () => {
    // Act + Assert: every account it named would be believed to be one of ours (the known
    // accounts of CloudTrail rules) or allowed to speak for another
    expect(NO_TRUST).toStrictEqual({ delegatedAdminAccounts: [], memberAccounts: [] });
  });
});
