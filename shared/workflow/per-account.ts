/**
 * Which of the responder's own resources serves an account: in the function's own account the
 * one its stack created (from the environment), in any other account the member account's own,
 * found by the fixed name infra/member-account-role.yaml gives it.
 */
export function ownOrMember(opts: {
  ownAccount(): Promise<string>;
  /** The ARN in the function's own account; unset: none there. */
  ownArn?: string | undefined;
  /** The ARN in a member account, in the partition of `ownArn` (`aws` without it). */
  memberArn(account: string, partition: string): string;
}): (account: string) => Promise<string | undefined> {
  const partition = opts.ownArn?.split(":")[1] || "aws";
  return async (account) => {
    if (!account || account === (await opts.ownAccount())) return opts.ownArn || undefined;
    return opts.memberArn(account, partition);
  };
}
