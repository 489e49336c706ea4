/**
 * What a rule of the risky-call catalogue sees (one CloudTrail call) and returns, and the
 * helpers its predicates share: resources named in `requestParameters`, policy documents.
 * Resources the response acts on (instances, volumes) are validated strictly; any other id
 * that is malformed is left out of the finding with a warning (`warnings.ts`).
 */
import type { AffectedResource } from "../domain/types.ts";
import { resource } from "./finding.ts";
import type { CloudTrailDetail } from "./schemas/cloudtrail.ts";
import type { JsonObject } from "./schemas/common.ts";
import { invalid } from "./validate.ts";
import { isObject, jsonDocument } from "./walk.ts";
import { type IntakeWarnings, namedResource } from "./warnings.ts";

/** One CloudTrail call, as a rule sees it. */
export interface CloudTrailCall {
  detail: CloudTrailDetail;
  /** `requestParameters`; never null when the rule declared `needsParameters`. */
  params: JsonObject;
  /** The account whose resources were touched. */
  account: string;
  region: string;
  partition: string;
  /** Path of `detail` in the incoming event, for errors. */
  detailPath: string;
  /** Path of `requestParameters` in the incoming event, for errors. */
  paramsPath: string;
  /** Where malformed fields the response does not need are reported. */
  warnings: IntakeWarnings;
  /**
   * Accounts that are not outsiders: the call's own account and the members and delegated
   * administrators of the configuration. Sharing with any other account is sharing outside.
   */
  knownAccounts: ReadonlySet<string>;
}

/** What a matching rule found. */
export interface RiskyCallMatch {
  /** The resources the call changed (the caller is added separately). */
  resources: AffectedResource[];
  /** One line saying what exactly is risky, e.g. `sg-0123…: tcp 22 open to 0.0.0.0/0`. */
  detail: string;
}

/** One entry of the risky-call catalogue. */
export interface RiskyCallRule {
  /** Unique; the finding type is `cloudtrail:<id>`. Starts with the eventName. */
  id: string;
  /** CloudTrail eventSource, e.g. `ec2.amazonaws.com`. */
  eventSource: string;
  eventName: string;
  /** 0–10, GuardDuty scale. */
  severity: number;
  title: string;
  /** True when the predicate needs `requestParameters`. */
  needsParameters: boolean;
  /** Returns what is risky about this call, or null when it is not. */
  assess(call: CloudTrailCall): RiskyCallMatch | null;
}

/** A rule as written in the catalogue: `needsParameters` defaults to true. */
export type RuleSpec = Omit<RiskyCallRule, "needsParameters"> & { needsParameters?: boolean };

/** Applies the defaults of {@link RuleSpec}. */
export const spec = (rules: RuleSpec[]): RiskyCallRule[] =>
  rules.map((r) => ({ ...r, needsParameters: r.needsParameters ?? true }));

/** The account the call touched, as a resource. */
export function account(call: CloudTrailCall): AffectedResource {
  return resource("aws-account", call.account, `${call.detailPath}.recipientAccountId`);
}

/** `requestParameters[key]`. */
export function param(call: CloudTrailCall, key: string): unknown {
  return call.params[key];
}

/**
 * The resource whose id is `requestParameters[key]`, in a list: empty (with a warning) when the
 * id is malformed and the response does not act on its kind; throws when it does.
 */
export function paramResource(
  call: CloudTrailCall,
  kind: AffectedResource["kind"],
  key: string,
): AffectedResource[] {
  const where = { account: call.account, region: call.region };
  return namedResource(kind, param(call, key), `${call.paramsPath}.${key}`, call.warnings, where);
}

/** The bucket `requestParameters.bucketName`, with its ARN. */
export function bucket(call: CloudTrailCall): AffectedResource[] {
  return paramResource(call, "s3-bucket", "bucketName").map((r) => ({
    ...r,
    arn: `arn:${call.partition}:s3:::${r.id}`,
  }));
}

/** A trail named by name or by ARN (`arn:aws:cloudtrail:region:account:trail/NAME`). */
export function trail(call: CloudTrailCall, key: string): AffectedResource[] {
  const value = param(call, key);
  const path = `${call.paramsPath}.${key}`;
  const where = { account: call.account, region: call.region };
  if (typeof value === "string" && value.startsWith("arn:")) {
    const name = value.slice(value.lastIndexOf("/") + 1);
    return namedResource("cloudtrail-trail", name, path, call.warnings, { ...where, arn: value });
  }
  return namedResource("cloudtrail-trail", value, path, call.warnings, where);
}

/** A policy document in the request, or an invalid event when it cannot be read. */
export function policyDocument(call: CloudTrailCall, key: string): unknown {
  const doc = jsonDocument(param(call, key));
  if (!isObject(doc)) invalid("must be a readable policy document", `${call.paramsPath}.${key}`);
  return doc;
}

/** A predicate that always matches, with the given resources and detail. */
export const always =
  (resources: (call: CloudTrailCall) => AffectedResource[], detail: (call: CloudTrailCall) => string) =>
  (call: CloudTrailCall): RiskyCallMatch => ({ resources: resources(call), detail: detail(call) });

/**
 * A predicate that matches when `found` finds anything in the call (public statements, outside
 * accounts, settings turned off…), with the given resources and a detail naming what it found.
 */
export const whenAny =
  (
    found: (call: CloudTrailCall) => string[],
    resources: (call: CloudTrailCall) => AffectedResource[],
    detail: (call: CloudTrailCall, found: string[]) => string,
  ) =>
  (call: CloudTrailCall): RiskyCallMatch | null => {
    const what = found(call);
    return what.length ? { resources: resources(call), detail: detail(call, what) } : null;
  };

/** A predicate that always matches, naming the account only. */
export const accountOnly = (what: string) =>
  always(
    (c) => [account(c)],
    () => what,
  );

/** The caller's identity type (`Root`, `IAMUser`, `AssumedRole`…). */
export function identityType(call: CloudTrailCall): string | undefined {
  return call.detail.userIdentity?.type;
}
