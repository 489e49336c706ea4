/**
 * Which account an event may make the responder act in. EventBridge stamps the envelope's
 * `account` itself (a custom `PutEvents` cannot choose it, nor use an `aws.*` source), so that
 * account is authenticated; an account id in the event's body (`detail.accountId`,
 * `AwsAccountId`, `recipientAccountId`…) is only a claim. A claim that differs from the
 * envelope is believed only from a configured delegated-administrator account, about one of
 * its members. Pure: no I/O, no environment.
 */
import { InvalidEventError } from "../errors/index.ts";

/** Who may speak for which account (the `trust` part of the configuration). */
export interface AccountTrust {
  /** Accounts allowed to report findings about other accounts (GuardDuty / Security Hub administrators). */
  delegatedAdminAccounts?: readonly string[];
  /** Accounts the responder may act in besides its own; empty with an organisation: any member. */
  memberAccounts: readonly string[];
  /** The organisation of the members, when there is one. */
  organizationId?: string | undefined;
}

/** No account but the envelope's own: the default when nothing is configured. */
export const NO_TRUST: AccountTrust = Object.freeze({ delegatedAdminAccounts: [], memberAccounts: [] });

/**
 * True when `account` is a member the configuration lets the responder act in (and assume its
 * member roles in: runtime/accounts.ts), besides its own.
 */
export function isTrustedMember(account: string, trust: AccountTrust): boolean {
  if (trust.memberAccounts.length) return trust.memberAccounts.includes(account);
  // With an organisation and no list, membership is enforced by AWS where it matters: the
  // member roles can only be assumed in accounts of the organisation (aws:ResourceOrgID).
  return Boolean(trust.organizationId);
}

/**
 * The account to act in for a finding whose body claims `claimed` and whose envelope was
 * stamped with `envelope` (undefined only for an event handed over by a person, such as
 * `responder plan --offline`: then the claim stands, since nothing is done with it).
 * @throws InvalidEventError when the body names another account and the envelope's account
 * is not a delegated administrator for it; `path` names the claim.
 */
export function actingAccount(
  claimed: string,
  envelope: string | undefined,
  trust: AccountTrust,
  claimPath: string,
): string {
  if (envelope === undefined || claimed === envelope) return claimed;
  if (!trust.delegatedAdminAccounts?.includes(envelope)) {
    throw new InvalidEventError(
      `names account ${claimed}, but the event came from account ${envelope}, which is not a configured delegated administrator (DELEGATED_ADMIN_ACCOUNTS): a finding may only make the responder act in the account that sent it`,
      claimPath,
    );
  }
  if (!isTrustedMember(claimed, trust)) {
    throw new InvalidEventError(
      `names account ${claimed}, which is not a member the responder may act in (MEMBER_ACCOUNTS${trust.organizationId ? "" : " or ORGANIZATION_ID"}), although the delegated administrator ${envelope} sent it`,
      claimPath,
    );
  }
  return claimed;
}
