/**
 * Clients for the account an event names. In the responder's own account (or when no member
 * role is configured) the function's own credentials are used; in a member account a role is
 * assumed, with the incident id in the session name and an external id: the member read role
 * for reads (triage, intake, the evidence lane's reads), the member act role for changes
 * (containment, snapshots, clean rooms). An account that is neither the function's own nor
 * one the configuration lets it act in is refused before anything is asked of STS.
 */
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import type { ClientOptions } from "../aws/clients.ts";
import type { ResponderConfig } from "../config/index.ts";
import { RefusedError } from "../errors/index.ts";
import { isTrustedMember } from "../intake/account.ts";

const SESSION_SECONDS = 900;

/**
 * What the session is for: `read` assumes the member read role (Describe/Get/List only),
 * `act` the member act role (isolation, snapshots, clean-room stacks).
 */
export type AccountPurpose = "read" | "act";

/** The configuration {@link AccountSessions} reads. */
export type AccountSessionsConfig = Pick<
  ResponderConfig,
  "memberRoleName" | "memberReadRoleName" | "memberExternalId"
> & { trust: Pick<ResponderConfig["trust"], "memberAccounts" | "organizationId"> };

/**
 * Resolves client options (credentials) per account; caches assumed sessions until near expiry.
 *
 * The options it returns are kept, one object per account session, so that clients built from
 * them can be kept too (`ClientCache`, keyed by these objects): in the function's own account
 * the same options for the container's life; in a member account the same options for as long
 * as the assumed session is cached. A new session means new options, hence new clients: its
 * credentials differ, and so does its session name, which names the incident that assumed it.
 */
export class AccountSessions {
  private own?: Promise<string>;
  private readonly cache = new Map<string, { options: ClientOptions; until: number }>();

  constructor(
    private readonly sts: STSClient,
    private readonly base: ClientOptions,
    private readonly cfg: AccountSessionsConfig,
  ) {}

  /** The account the function runs in. */
  ownAccount(): Promise<string> {
    this.own ??= this.sts.send(new GetCallerIdentityCommand({})).then((o) => o.Account ?? "");
    return this.own;
  }

  /**
   * Client options for `purpose` in `account` on behalf of `incidentId`.
   * @throws RefusedError for a malformed account id, or one the configuration does not allow
   */
  async optionsFor(account: string, incidentId: string, purpose: AccountPurpose): Promise<ClientOptions> {
    if (!/^\d{12}$/.test(account))
      throw new RefusedError(`not an account id: ${JSON.stringify(account).slice(0, 40)}`);
    const own = await this.ownAccount();
    if (account === own) return this.base;
    if (!isTrustedMember(account, this.cfg.trust))
      throw new RefusedError(
        `account ${account} is not one the responder may act in: neither its own (${own}) nor listed in ` +
          (this.cfg.trust.organizationId
            ? "MEMBER_ACCOUNTS"
            : "MEMBER_ACCOUNTS (and no ORGANIZATION_ID is configured)"),
      );
    const roleName =
      purpose === "read" ? (this.cfg.memberReadRoleName ?? this.cfg.memberRoleName) : this.cfg.memberRoleName;
    if (!roleName) return this.base;
    const key = `${account}|${roleName}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now() + 60_000) return hit.options;
    const out = await this.sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:${partitionOf(this.base.region)}:iam::${account}:role/${roleName}`,
        RoleSessionName: `incident-responder-${incidentId}`.slice(0, 64),
        DurationSeconds: SESSION_SECONDS,
        ...(this.cfg.memberExternalId ? { ExternalId: this.cfg.memberExternalId } : {}),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new RefusedError(`no credentials from AssumeRole of ${roleName} in ${account}`);
    const creds: AwsCredentialIdentity = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {}),
    };
    const options: ClientOptions = { ...this.base, credentials: creds };
    this.cache.set(key, {
      options,
      until: c.Expiration ? new Date(c.Expiration).getTime() : Date.now() + SESSION_SECONDS * 1000,
    });
    return options;
  }
}

/** The ARN partition of a region (`aws`, `aws-cn`, `aws-us-gov`). */
function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}
