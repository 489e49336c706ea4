/**
 * The drill scorecard's IAM read-backs: the per-instance deny statement on the role of an
 * instance whose credentials were stolen (and the sibling that shares the role left alone),
 * and an IAM user's containment (the named key Inactive, the others Active, the deny policy
 * attached). Read-only: GetRolePolicy, ListRolePolicies, ListAccessKeys, GetUserPolicy.
 */
import {
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { revokePolicyName } from "../../shared/credentials/statement.ts";
import { describeError } from "../../shared/errors/index.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import type { ScenarioTarget } from "./scenarios.ts";

/** One line of a drill's scorecard. */
export interface Check {
  expectation: string;
  pass: boolean;
  detail: string;
}

/** What the checks read of an instance: whether it exists and its groups per interface. */
type GroupsView = { found: boolean; groups: Record<string, string[]> };

// biome-ignore lint/suspicious/noExplicitAny: read-back policy documents are untyped JSON
type Json = any;

const decode = (doc: string | undefined): Json => JSON.parse(decodeURIComponent(doc ?? "{}"));

const statements = (doc: Json): Json[] =>
  Array.isArray(doc?.Statement) ? doc.Statement : doc?.Statement ? [doc.Statement] : [];

/** The instances a policy's deny statements name by `ec2:SourceInstanceARN`. */
function deniedInstances(doc: Json): string[] {
  return statements(doc)
    .filter((s) => s?.Effect === "Deny")
    .flatMap((s) => {
      const arn = s?.Condition?.StringEquals?.["ec2:SourceInstanceARN"];
      return Array.isArray(arn) ? arn : arn ? [arn] : [];
    })
    .map((arn: string) => String(arn).split(":instance/")[1] ?? "");
}

const groupsOf = (v: GroupsView | undefined) => JSON.stringify(Object.entries(v?.groups ?? {}).sort());

/**
 * revoke-instance-credentials, read back: the incident's inline policy on the role denies
 * everything to the target instance's sessions alone (`ec2:SourceInstanceARN`), no policy on
 * the role names the sibling, and the sibling keeps its groups.
 */
export async function checkRevokedCredentials(
  iam: IAMClient | undefined,
  target: ScenarioTarget,
  incident: IncidentRecord,
  sibling: { before?: GroupsView; after?: GroupsView },
): Promise<Check[]> {
  const role = target.credentials?.roleName ?? "";
  const siblingId = target.credentials?.siblingId ?? "";
  const name = revokePolicyName(incident.incidentId, target.instanceId);
  if (!iam || !role)
    return [
      {
        expectation: "deny statement for the instance on its role",
        pass: false,
        detail: !iam ? "no IAM client to read the role back" : "the target's role is not known",
      },
    ];
  const checks: Check[] = [];
  const own = await iam
    .send(new GetRolePolicyCommand({ RoleName: role, PolicyName: name }))
    .then((r) => ({ doc: decode(r.PolicyDocument) }))
    .catch((err: unknown) => ({ error: describeError(err) }));
  const denied = "doc" in own ? deniedInstances(own.doc) : [];
  const everything =
    "doc" in own && statements(own.doc).every((s) => s?.Action === "*" && s?.Resource === "*");
  checks.push({
    expectation: `deny statement for ${target.instanceId} alone on role ${role}, read back`,
    pass: everything && denied.length === 1 && denied[0] === target.instanceId,
    detail:
      "doc" in own
        ? `${name}: denies sessions of ${denied.join(", ") || "nothing"}`
        : `${name}: ${own.error}`,
  });
  const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: role }))).PolicyNames ?? [];
  const naming: string[] = [];
  for (const n of names) {
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: n }));
    if (siblingId && deniedInstances(decode(got.PolicyDocument)).includes(siblingId)) naming.push(n);
  }
  const kept = Boolean(sibling.after?.found) && groupsOf(sibling.before) === groupsOf(sibling.after);
  checks.push({
    expectation: `sibling ${siblingId || "(none)"} with the same role untouched`,
    pass: Boolean(siblingId) && kept && naming.length === 0,
    detail: [
      kept
        ? "keeps its groups"
        : `groups before ${groupsOf(sibling.before)}, after ${groupsOf(sibling.after)}`,
      naming.length ? `denied by ${naming.join(", ")}` : `no policy on ${role} (${names.length}) names it`,
    ].join("; "),
  });
  return checks;
}

/**
 * contain-principal on the target user, read back: the key the finding named Inactive, the
 * user's other keys Active, the incident's deny policy attached, the step verified.
 */
export async function checkUserContained(
  iam: IAMClient | undefined,
  target: ScenarioTarget,
  incident: IncidentRecord,
): Promise<Check[]> {
  const user = target.user;
  if (!iam || !user)
    return [
      {
        expectation: "user contained",
        pass: false,
        detail: !iam ? "no IAM client to read the user back" : "the target user is not known",
      },
    ];
  const step = incident.steps["contain-principal"];
  const keys = Object.fromEntries(
    ((await iam.send(new ListAccessKeysCommand({ UserName: user.userName }))).AccessKeyMetadata ?? []).map(
      (k) => [k.AccessKeyId ?? "", k.Status ?? ""],
    ),
  );
  const others = user.otherKeyIds.map((k) => `${k} ${keys[k] ?? "missing"}`);
  const name = `incident-responder-deny-${incident.incidentId}`;
  const policy = await iam
    .send(new GetUserPolicyCommand({ UserName: user.userName, PolicyName: name }))
    .then((r) => ({ doc: decode(r.PolicyDocument) }))
    .catch((err: unknown) => ({ error: describeError(err) }));
  const denies = "doc" in policy && statements(policy.doc).some((s) => s?.Effect === "Deny");
  return [
    {
      expectation: "user containment verified by reading the state back",
      pass: step?.status === "verified",
      detail: step
        ? `${step.status}: ${step.detail ?? ""}${step.error ? ` — ${step.error}` : ""}`
        : "no step",
    },
    {
      expectation: `named key ${user.accessKeyId} Inactive`,
      pass: keys[user.accessKeyId] === "Inactive",
      detail: `${user.accessKeyId} ${keys[user.accessKeyId] ?? "missing"}`,
    },
    {
      expectation: "the user's other keys still Active",
      pass: user.otherKeyIds.length > 0 && user.otherKeyIds.every((k) => keys[k] === "Active"),
      detail: others.join(", ") || "no other key",
    },
    {
      expectation: `deny policy ${name} attached to ${user.userName}`,
      pass: denies,
      detail: "doc" in policy ? (denies ? "Deny, read back" : "no Deny statement") : policy.error,
    },
  ];
}
