/**
 * Simulates every AWS call of a recorded incident against the packaged policies:
 *
 * - each call against its function's role (serverless.yml's `resources`, as deployed in the
 *   responder's account), with the key, bucket, topic and queue policies of the resources it
 *   touches; and what Lambda does with the role (logs, traces, the dead-letter queue);
 * - each call made with a member session (read or act, see AccountSessions) again as if the
 *   affected resources were in a member account, against the member role of that purpose
 *   (infra/member-account-role.yaml);
 * - the AssumeRole each function makes for each purpose it used: its own role must allow it
 *   for a listed member account, and the member role's trust policy must admit it.
 */
import type { CallRecord } from "../../../cli/local/instrument.ts";
import { FUNCTIONS } from "../../../shared/iam/permissions.ts";
import type { AccountPurpose } from "../../../shared/runtime/accounts.ts";
import { type AccountState, type CallSite, requestsFor } from "./calls.ts";
import { runtimeRequests } from "./responder-calls.ts";
import { type Decision, decide, type IamRequest, type Principal } from "./simulate.ts";
import { type Deployed, deployMemberStack, deployResponder, rolePolicies, trustPolicy } from "./template.ts";

// biome-ignore lint/suspicious/noExplicitAny: policies are untyped JSON
type Json = any;

/** A member account the simulation puts the affected resources in. */
export const MEMBER_ACCOUNT = "210987654321";
/** The external id of the simulated deployment. */
export const EXTERNAL_ID = "iam-simulation-0f3a";
/** Member roles by purpose: their logical ids in infra/member-account-role.yaml. */
export const MEMBER_ROLE_OF: Readonly<Record<AccountPurpose, string>> = {
  read: "MemberReadRole",
  act: "MemberRole",
};

/** One simulated request and what the simulator decided. */
export interface Simulated {
  fn: string;
  /** `function` (its own role), `member-read` / `member-act`, `assume` (its role and the member role's trust). */
  against: string;
  request: IamRequest;
  decision: Decision;
}

/** The deployments the calls are simulated against. */
export interface Deployments {
  responder: Deployed;
  member: Deployed;
}

/** The responder (member accounts listed) and the member stack of {@link MEMBER_ACCOUNT}. */
export function deployments(account: string, region: string): Deployments {
  const responder = deployResponder(account, region, {
    RESPONDER_MEMBER_ACCOUNTS: MEMBER_ACCOUNT,
    RESPONDER_MEMBER_EXTERNAL_ID: EXTERNAL_ID,
  });
  const member = deployMemberStack(MEMBER_ACCOUNT, region, {
    ResponderAccountId: account,
    ResponderStackName: responder.deployment.stackName,
    ResponderRegion: region,
    ExternalId: EXTERNAL_ID,
  });
  return { responder, member };
}

/** The policy of the responder's own resource a request is made on, if it has one. */
function resourcePolicyOf(responder: Deployed, resource: string): Json | undefined {
  if (resource === responder.arn("ResponderKey")) return responder.properties("ResponderKey").KeyPolicy;
  if (resource === responder.arn("EvidenceSigningKey"))
    return responder.properties("EvidenceSigningKey").KeyPolicy;
  if (resource.startsWith(`${responder.arn("EvidenceBucket")}`))
    return responder.properties("EvidenceBucketPolicy").PolicyDocument;
  const topics = responder.properties("AlertTopicPolicy");
  if (topics.Topics.includes(resource)) return topics.PolicyDocument;
  const intake = responder.properties("IntakeTopicPolicy");
  if (intake.Topics.includes(resource)) return intake.PolicyDocument;
  const queues = responder.properties("DeadLetterQueuePolicy").PolicyDocument;
  if (queues.Statement.some((s: Json) => [s.Resource].flat().includes(resource))) return queues;
  return undefined;
}

/** A function's role in the responder's account. */
export function functionPrincipal(responder: Deployed, fn: string): Principal {
  const roleId = FUNCTIONS[fn]?.role;
  if (!roleId) throw new Error(`no role for function ${fn}`);
  return {
    arn: responder.arn(roleId),
    account: responder.deployment.account,
    policies: rolePolicies(responder, roleId),
  };
}

/** A member role (by purpose) in the member account. */
export function memberPrincipal(member: Deployed, purpose: AccountPurpose): Principal {
  const roleId = MEMBER_ROLE_OF[purpose];
  return {
    arn: member.arn(roleId),
    account: member.deployment.account,
    policies: rolePolicies(member, roleId),
  };
}

/** The request of assuming a member role, as the function makes it. */
export function assumeRequest(
  member: Deployed,
  purpose: AccountPurpose,
  externalId = EXTERNAL_ID,
): IamRequest {
  return {
    action: "sts:AssumeRole",
    resource: member.arn(MEMBER_ROLE_OF[purpose]),
    context: { "sts:ExternalId": externalId },
    why: `assume the member ${purpose} role`,
  };
}

/**
 * Whether the principal may assume the member role of `purpose`: its own policies must allow it
 * and the role's trust policy must admit it (a cross-account request needs both).
 */
export function assumes(
  member: Deployed,
  purpose: AccountPurpose,
  principal: Principal,
  request = assumeRequest(member, purpose),
  trust: Json = trustPolicy(member, MEMBER_ROLE_OF[purpose]),
): Promise<Decision> {
  return decide(principal, request, { resourcePolicy: trust, resourceAccount: member.deployment.account });
}

/** Runs every simulation of the recorded calls; returns each request with its decision. */
export async function simulateIncident(input: {
  calls: CallRecord[];
  state: AccountState;
  account: string;
  region: string;
  /** Access key → purpose of the member sessions the calls were made with. */
  purposeOfKey: Readonly<Record<string, AccountPurpose>>;
}): Promise<Simulated[]> {
  const { responder, member } = deployments(input.account, input.region);
  const own: CallSite = {
    account: input.account,
    region: input.region,
    state: input.state,
    responderKeyArn: responder.arn("ResponderKey"),
    signingKeyArn: responder.arn("EvidenceSigningKey"),
  };
  const translations: Record<string, string> = {
    [responder.arn("IsolationInstanceProfile")]: member.arn("IsolationInstanceProfile"),
    [responder.arn("IsolationRole")]: member.arn("IsolationRole"),
    [responder.arn("CleanroomStackRole")]: member.arn("CleanroomStackRole"),
  };
  const inMember: CallSite = {
    ...own,
    account: MEMBER_ACCOUNT,
    translate: (arn) => {
      const t = translations[arn];
      if (!t) throw new Error(`no member-account counterpart known for ${arn}`);
      return t;
    },
  };
  const out: Simulated[] = [];
  const purposesOf = new Map<string, Set<AccountPurpose>>();
  for (const fn of Object.keys(FUNCTIONS)) {
    const principal = functionPrincipal(responder, fn);
    const queue = responder.arn(`${fn[0]?.toUpperCase()}${fn.slice(1)}DeadLetterQueue`);
    const platform = runtimeRequests(own, {
      name: fn,
      stackName: responder.deployment.stackName,
      deadLetterQueueArn: queue,
    });
    const calls = input.calls.filter((c) => c.scope === fn);
    const requests = [...platform, ...calls.flatMap((c) => requestsFor(c, own))];
    for (const request of requests) {
      const decision = await decide(principal, request, {
        resourcePolicy: resourcePolicyOf(responder, request.resource),
      });
      out.push({ fn, against: "function", request, decision });
    }
    for (const call of calls) {
      const purpose = call.accessKeyId ? input.purposeOfKey[call.accessKeyId] : undefined;
      if (!purpose) continue;
      purposesOf.set(fn, new Set([...(purposesOf.get(fn) ?? []), purpose]));
      const role = memberPrincipal(member, purpose);
      for (const request of requestsFor(call, inMember)) {
        out.push({ fn, against: `member-${purpose}`, request, decision: await decide(role, request) });
      }
    }
    for (const purpose of purposesOf.get(fn) ?? []) {
      const request = assumeRequest(member, purpose);
      out.push({
        fn,
        against: "assume",
        request,
        decision: await assumes(member, purpose, principal, request),
      });
    }
  }
  return out;
}
