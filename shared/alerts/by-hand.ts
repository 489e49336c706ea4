/**
 * Alerts for protected instances: the responder never contains them, and never leaves them
 * quietly either. The subject says "PROTECTED, NOT CONTAINED"; the body lists each protected
 * instance, why it is protected, and the AWS CLI commands a person runs to contain it by hand
 * (docs/containment.md, "Containing a protected instance by hand"). Pure.
 *
 * The commands carry only values that fit AWS's own id grammars (instance id, region,
 * incident id): text a person pastes into a shell must never carry what an event wrote.
 */
import type { ProtectedResource } from "../domain/types.ts";
import type { IncidentRecord } from "../incident/model.ts";
import { ID_PATTERNS } from "../intake/schemas/common.ts";

/** The subject's stage word for an incident whose subject resource is protected. */
export const PROTECTED_WORD = "PROTECTED, NOT CONTAINED";

/** Where the by-hand steps are explained in full. */
export const BY_HAND_DOC = 'docs/containment.md, "Containing a protected instance by hand"';

/** Instances with full commands in one alert; the others refer to the document. */
const MAX_WITH_COMMANDS = 3;

const INCIDENT_ID = /^[A-Za-z0-9-]{1,64}$/;

/** The protected instances of an incident's plan. */
export function protectedInstances(inc: IncidentRecord | undefined): ProtectedResource[] {
  return (inc?.plan.protected ?? []).filter((p) => p.kind === "ec2-instance");
}

/**
 * The subject's stage word when the incident's plan left protected instances alone, for the
 * `opened` and `protected` stages: {@link PROTECTED_WORD} when the subject's resource is one of
 * them, `opened: N PROTECTED, NOT CONTAINED` when others are. Undefined otherwise.
 */
export function protectedStageWord(stage: string, inc: IncidentRecord | undefined): string | undefined {
  if (stage !== "opened" && stage !== "protected") return undefined;
  const list = protectedInstances(inc);
  if (list.length === 0) return stage === "protected" ? PROTECTED_WORD : undefined;
  const subject = inc?.finding.resources[0]?.id;
  if (list.some((p) => p.id === subject)) return PROTECTED_WORD;
  return `opened: ${list.length} ${PROTECTED_WORD}`;
}

/**
 * The AWS CLI commands that contain one instance by hand, in the responder's own order:
 * record, protect evidence, isolate every interface in two steps (all-open group to untrack
 * flows, then an empty group), detach Elastic IPs, remove the instance profile. Empty when the
 * id or region does not fit its grammar.
 */
export function byHandCommands(instanceId: string, region: string, incidentId: string): string[] {
  if (!ID_PATTERNS.instanceId.test(instanceId) || !ID_PATTERNS.region.test(region)) return [];
  const tag = INCIDENT_ID.test(incidentId) ? incidentId : "by-hand";
  const ec2 = `aws ec2 --region ${region}`;
  const allTraffic = `'[{"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]'`;
  return [
    `# 1. record the state before (VPC, interfaces, groups, addresses, profile)`,
    `${ec2} describe-instances --instance-ids ${instanceId} --output json > ${instanceId}-before.json`,
    `# 2. keep the evidence: no termination, shutdown stops`,
    `${ec2} modify-instance-attribute --instance-id ${instanceId} --disable-api-termination`,
    `${ec2} modify-instance-attribute --instance-id ${instanceId} --instance-initiated-shutdown-behavior Value=stop`,
    `# 3. two groups in its VPC: all-open (untracks live flows), then empty`,
    `${ec2} create-security-group --vpc-id <vpc-id> --group-name ${tag}-untracking --description "untracking ${tag}"`,
    `${ec2} authorize-security-group-ingress --group-id <untracking-sg-id> --ip-permissions ${allTraffic}`,
    `${ec2} create-security-group --vpc-id <vpc-id> --group-name ${tag}-isolation --description "isolation ${tag}"`,
    `${ec2} revoke-security-group-egress --group-id <isolation-sg-id> --ip-permissions ${allTraffic}`,
    `# 4. every network interface: the untracking group first, then the isolation group`,
    `${ec2} modify-network-interface-attribute --network-interface-id <eni-id> --groups <untracking-sg-id>`,
    `${ec2} modify-network-interface-attribute --network-interface-id <eni-id> --groups <isolation-sg-id>`,
    `# 5. Elastic IPs and the instance profile`,
    `${ec2} describe-addresses --filters Name=instance-id,Values=${instanceId}`,
    `${ec2} disassociate-address --association-id <eipassoc-id>`,
    `${ec2} describe-iam-instance-profile-associations --filters Name=instance-id,Values=${instanceId}`,
    `${ec2} disassociate-iam-instance-profile --association-id <iip-assoc-id>`,
  ];
}

/**
 * The body section of an incident with protected instances: each one with its reason, then
 * the commands to contain it by hand (for the first {@link MAX_WITH_COMMANDS}). Empty when the
 * plan protected nothing.
 */
export function protectedLines(inc: IncidentRecord, clean: (s: string) => string): string[] {
  const list = protectedInstances(inc);
  if (list.length === 0) return [];
  const lines = [
    "",
    `${PROTECTED_WORD}:`,
    ...list.map(
      (p) =>
        `  - ${clean(p.id)} (account ${clean(p.account ?? inc.account)}, ${clean(p.region ?? inc.region)}): ${clean(p.reason)}`,
    ),
    "",
    "The responder leaves protected instances alone: the policy says so, and for tagged ones its",
    "IAM guard denies its own roles any change to them. The incident stays open. If one must be",
    `contained, a person with their own access does it by hand (${BY_HAND_DOC}):`,
  ];
  for (const p of list.slice(0, MAX_WITH_COMMANDS)) {
    const commands = byHandCommands(p.id, p.region ?? inc.region, inc.incidentId);
    if (commands.length === 0) continue;
    lines.push("", `  ${p.id}:`, ...commands.map((c) => `    ${c}`));
  }
  if (list.length > MAX_WITH_COMMANDS)
    lines.push("", `  … and ${list.length - MAX_WITH_COMMANDS} more: the same steps, see ${BY_HAND_DOC}`);
  lines.push(
    "",
    "  Credentials already taken from the instance stay valid until they expire: deny the role's",
    "  sessions from this instance (ec2:SourceInstanceARN) as the document shows.",
  );
  return lines;
}

/**
 * The same for machines (the alert's JSON form): each protected instance with its reason and,
 * for the first {@link MAX_WITH_COMMANDS}, the commands. Undefined when the plan protected nothing.
 */
export function protectedJson(
  inc: IncidentRecord | undefined,
): { doc: string; instances: { id: string; reason: string; commands: string[] }[] } | undefined {
  const list = protectedInstances(inc);
  if (!inc || list.length === 0) return undefined;
  return {
    doc: BY_HAND_DOC,
    instances: list.map((p, i) => ({
      id: p.id,
      reason: p.reason,
      commands:
        i < MAX_WITH_COMMANDS
          ? byHandCommands(p.id, p.region ?? inc.region, inc.incidentId).filter((c) => !c.startsWith("#"))
          : [],
    })),
  };
}
