/**
 * Small builders for findings and resource contexts, shared by the triage and policy tests.
 */
import type { AffectedResource, Finding, Impact, ResourceContext } from "../../../shared/domain/types.ts";

export function aFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: "f-1",
    source: "guardduty",
    type: "Backdoor:EC2/C&CActivity.B!DNS",
    title: "i-0abc is querying a C&C domain",
    severity: 8,
    time: "2024-05-01T10:00:00Z",
    account: "111122223333",
    region: "eu-west-1",
    resources: [{ kind: "ec2-instance", id: "i-0abc" }],
    drill: false,
    raw: {},
    ...overrides,
  };
}

/**
 * A context as the resolver builds it for a resource it read: `accountTags` are the account's
 * tags, by default the same as `tags` when the resource exists (give `accountTags` to differ,
 * and `resource.tags` for what the event carried).
 */
export function anInstance(
  overrides: Partial<Omit<ResourceContext, "resource">> & {
    id?: string;
    resource?: Partial<AffectedResource>;
  } = {},
): ResourceContext {
  const { id = "i-0abc", resource, ...rest } = overrides;
  const ctx: ResourceContext = {
    resource: { kind: "ec2-instance", id, ...resource },
    exists: true,
    state: "running",
    tags: {},
    relatedTags: [],
    exposure: { publicIps: [], openIngress: [] },
    ...rest,
  };
  if (!("accountTags" in overrides) && ctx.exists) ctx.accountTags = { ...ctx.tags };
  return ctx;
}

export function anImpact(overrides: Partial<Impact> = {}): Impact {
  return { score: 50, tier: "medium", reasons: [], tags: {}, ...overrides };
}
