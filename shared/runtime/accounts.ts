/**
 * Clients for the account an event names. In the responder's own account (or when no member
 * role is configured) the function's own credentials are used; in a member account a role is
 * assumed, with the incident id in the session name and an external id.
 */
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import type { ClientOptions } from "../aws/clients.ts";
import type { ResponderConfig } from "../config/index.ts";
import { RefusedError } from "../errors/index.ts";

const SESSION_SECONDS = 900;

/** Resolves client options (credentials) per account; caches assumed sessions until near expiry. */
export class AccountSessions {
  private own?: Promise<string>;
  private readonly cache = new Map<string, { creds: AwsCredentialIdentity; until: number }>();

  constructor(
    private readonly sts: STSClient,
    private readonly base: ClientOptions,
    private readonly cfg: Pick<ResponderConfig, "memberRoleName" | "memberExternalId">,
  ) {}

  /** The account the function runs in. */
  ownAccount(): Promise<string> {
    this.own ??= this.sts.send(new GetCallerIdentityCommand({})).then((o) => o.Account ?? "");
    return this.own;
  }

  /** Client options for acting in `account` on behalf of `incidentId`. */
  async optionsFor(account: string, incidentId: string): Promise<ClientOptions> {
    if (!this.cfg.memberRoleName) return this.base;
    if (!/^\d{12}$/.test(account))
      throw new RefusedError(`not an account id: ${JSON.stringify(account).slice(0, 40)}`);
    if (account === (await this.ownAccount())) return this.base;
    const hit = this.cache.get(account);
    if (hit && hit.until > Date.now() + 60_000) return { ...this.base, credentials: hit.creds };
    const out = await this.sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/${this.cfg.memberRoleName}`,
        RoleSessionName: `incident-responder-${incidentId}`.slice(0, 64),
        DurationSeconds: SESSION_SECONDS,
        ...(this.cfg.memberExternalId ? { ExternalId: this.cfg.memberExternalId } : {}),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new RefusedError(`no credentials from AssumeRole in ${account}`);
    const creds: AwsCredentialIdentity = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {}),
    };
    this.cache.set(account, {
      creds,
      until: c.Expiration ? new Date(c.Expiration).getTime() : Date.now() + SESSION_SECONDS * 1000,
    });
    return { ...this.base, credentials: creds };
  }
}
