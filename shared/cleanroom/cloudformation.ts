/**
 * The clean room's AWS adapter: CloudFormation (describe, create, delete, events, list) and the
 * few EC2 look-ups the parameters need. Receives its clients; creates none.
 */
import {
  type Capability,
  type CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  paginateListStacks,
  type Stack,
  type StackEvent,
  type StackStatus,
  type StackSummary,
} from "@aws-sdk/client-cloudformation";
import {
  DescribeManagedPrefixListsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type Filter,
} from "@aws-sdk/client-ec2";
import { errorCode, toAwsError } from "../aws/errors.ts";
import { type BoundedList, readBounded, truncationNote } from "../aws/pages.ts";
import {
  type CreateStackRequest,
  firstFailure,
  type ManagedStack,
  STACK_PREFIX,
  type StackFailure,
} from "./stack.ts";

/** The clients a clean room needs, in the account (and region) that holds the snapshots. */
export interface CleanroomClients {
  cfn: CloudFormationClient;
  ec2: EC2Client;
  region: string;
}

/** A stack, reduced to what the responder records. */
export interface StackView {
  stackName: string;
  stackId: string;
  status: string;
  statusReason?: string;
  outputs: Record<string, string>;
  tags: Record<string, string>;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** CloudFormation's answer for a stack name (or a deleted stack's name) it does not know. */
export function isStackMissing(err: unknown): boolean {
  return errorCode(err) === "ValidationError" && /does not exist/i.test(errorMessage(err));
}

function view(s: Stack): StackView {
  return {
    stackName: s.StackName ?? "",
    stackId: s.StackId ?? "",
    status: s.StackStatus ?? "",
    ...(s.StackStatusReason ? { statusReason: s.StackStatusReason } : {}),
    outputs: Object.fromEntries((s.Outputs ?? []).map((o) => [o.OutputKey ?? "", o.OutputValue ?? ""])),
    tags: Object.fromEntries((s.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
  };
}

/** The stack by name or stack id; undefined when CloudFormation says it does not exist. */
export async function describeStack(
  cfn: CloudFormationClient,
  nameOrId: string,
): Promise<StackView | undefined> {
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: nameOrId }));
    const s = out.Stacks?.[0];
    return s ? view(s) : undefined;
  } catch (err) {
    if (isStackMissing(err)) return undefined;
    throw toAwsError("cloudformation:DescribeStacks", err);
  }
}

/**
 * Creates the stack. When a stack of that name already exists (a concurrent or earlier
 * request), that is not an error: `alreadyExisted` says so and nothing is created.
 */
export async function createStack(
  cfn: CloudFormationClient,
  req: CreateStackRequest,
): Promise<{ stackId?: string; alreadyExisted: boolean }> {
  try {
    const out = await cfn.send(
      new CreateStackCommand({ ...req, Capabilities: req.Capabilities as Capability[] }),
    );
    return { ...(out.StackId ? { stackId: out.StackId } : {}), alreadyExisted: false };
  } catch (err) {
    if (errorCode(err) === "AlreadyExistsException") return { alreadyExisted: true };
    throw toAwsError("cloudformation:CreateStack", err);
  }
}

/**
 * Deletes the stack. In AWS DeleteStack only starts the deletion. The emulator (moto) deletes
 * at once, but leaves VPC endpoints and volumes behind and then answers DependencyViolation for
 * the VPC although the stack is gone: that answer is returned, not thrown, for the caller to check.
 */
export async function deleteStack(
  cfn: CloudFormationClient,
  nameOrId: string,
): Promise<{ dependencyViolation?: string }> {
  try {
    await cfn.send(new DeleteStackCommand({ StackName: nameOrId }));
    return {};
  } catch (err) {
    if (errorCode(err) === "DependencyViolation") return { dependencyViolation: errorMessage(err) };
    throw toAwsError("cloudformation:DeleteStack", err);
  }
}

/** The first failure recorded in the stack's events (newest first, read up to `maxPages` pages). */
export async function stackFailure(
  cfn: CloudFormationClient,
  nameOrId: string,
  maxPages = 5,
): Promise<StackFailure | undefined> {
  const events: StackEvent[] = [];
  let NextToken: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const out = await cfn.send(
      new DescribeStackEventsCommand({ StackName: nameOrId, ...(NextToken ? { NextToken } : {}) }),
    );
    events.push(...(out.StackEvents ?? []));
    NextToken = out.NextToken;
    if (!NextToken) break;
  }
  return firstFailure(events);
}

/** The AWS-managed prefix list of S3 in the region (`com.amazonaws.REGION.s3`). */
export async function s3PrefixListId(ec2: EC2Client, region: string): Promise<string> {
  const name = `com.amazonaws.${region}.s3`;
  try {
    const out = await ec2.send(
      new DescribeManagedPrefixListsCommand({ Filters: [{ Name: "prefix-list-name", Values: [name] }] }),
    );
    const id =
      out.PrefixLists?.find((p) => p.PrefixListName === name)?.PrefixListId ??
      out.PrefixLists?.[0]?.PrefixListId;
    if (!id) throw new Error(`no managed prefix list named ${name}`);
    return id;
  } catch (err) {
    throw toAwsError("ec2:DescribeManagedPrefixLists", err);
  }
}

/** The size in GiB of the largest of these snapshots (their volumes' size). */
export async function largestSnapshotGiB(ec2: EC2Client, snapshotIds: string[]): Promise<number> {
  try {
    const out = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }));
    const sizes = (out.Snapshots ?? []).map((s) => s.VolumeSize ?? 0);
    const max = Math.max(0, ...sizes);
    if (!max) throw new Error(`no size known for ${snapshotIds.join(", ")}`);
    return max;
  } catch (err) {
    throw toAwsError("ec2:DescribeSnapshots", err);
  }
}

const LIVE_STATUSES: StackStatus[] = [
  "CREATE_IN_PROGRESS",
  "CREATE_FAILED",
  "CREATE_COMPLETE",
  "ROLLBACK_IN_PROGRESS",
  "ROLLBACK_FAILED",
  "ROLLBACK_COMPLETE",
  "DELETE_FAILED",
  "UPDATE_IN_PROGRESS",
  "UPDATE_COMPLETE",
  "UPDATE_ROLLBACK_IN_PROGRESS",
  "UPDATE_ROLLBACK_FAILED",
  "UPDATE_ROLLBACK_COMPLETE",
  "REVIEW_IN_PROGRESS",
];

/**
 * Bounds of {@link listCleanroomStacks}: ListStacks pages read (the account's other stacks
 * are listed too), and clean-room stacks described one by one in one run.
 */
export const CLEANROOM_LIST_BOUNDS = { listPages: 50, describe: 50 } as const;

/**
 * The clean-room stacks of this account and region, with their tags: ListStacks (names and
 * statuses, filtered on the name prefix), then DescribeStacks for each one's tags. Reading stacks
 * one by one keeps a single broken stack (the emulator can answer HTTP 500 for a stack whose
 * creation failed) from hiding the others: it is returned in `errors` instead. Both reads are
 * bounded ({@link CLEANROOM_LIST_BOUNDS}); what a bound left unread is said in `truncated`.
 */
export async function listCleanroomStacks(
  cfn: CloudFormationClient,
): Promise<{ stacks: ManagedStack[]; errors: string[]; truncated?: string }> {
  let listed: BoundedList<StackSummary>;
  try {
    listed = await readBounded(
      paginateListStacks({ client: cfn }, { StackStatusFilter: LIVE_STATUSES }),
      (pg) => ({ items: pg.StackSummaries, next: pg.NextToken }),
      { maxPages: CLEANROOM_LIST_BOUNDS.listPages },
    );
  } catch (err) {
    throw toAwsError("cloudformation:ListStacks", err);
  }
  const names = listed.items
    .filter((s) => s.StackName?.startsWith(STACK_PREFIX) && s.StackStatus !== "DELETE_COMPLETE")
    .map((s) => ({
      name: s.StackName as string,
      ...(s.StackId ? { id: s.StackId } : {}),
      ...(s.StackStatus ? { status: s.StackStatus } : {}),
    }));
  const read = names.slice(0, CLEANROOM_LIST_BOUNDS.describe);
  const truncated = [
    truncationNote("ListStacks", listed, { maxPages: CLEANROOM_LIST_BOUNDS.listPages }),
    names.length > read.length
      ? `DescribeStacks: ${read.length} of ${names.length} clean-room stacks read (bound ${CLEANROOM_LIST_BOUNDS.describe}), ${names.length - read.length} left for a later run`
      : undefined,
  ].filter((n): n is string => Boolean(n));
  const stacks: ManagedStack[] = [];
  const errors: string[] = [];
  for (const n of read) {
    try {
      const s = await describeStack(cfn, n.id ?? n.name);
      if (s) stacks.push({ stackName: s.stackName, stackId: s.stackId, status: s.status, tags: s.tags });
    } catch (err) {
      errors.push(`${n.name}: ${errorMessage(err)}`);
    }
  }
  return { stacks, errors, ...(truncated.length ? { truncated: truncated.join("; ") } : {}) };
}

/**
 * Resources CloudFormation created for the stack that still exist after it was deleted (found by
 * the `aws:cloudformation:stack-name` tag CloudFormation puts on them). Only the emulator leaves
 * any: its quirks (cli/local/quirks.ts) use this; best effort: a look-up that fails is skipped.
 */
export async function leftoverResources(ec2: EC2Client, stackName: string): Promise<string[]> {
  const Filters: Filter[] = [{ Name: "tag:aws:cloudformation:stack-name", Values: [stackName] }];
  const found: string[] = [];
  const tryList = async (list: () => Promise<(string | undefined)[]>) => {
    try {
      for (const id of await list()) if (id) found.push(id);
    } catch {
      // Best effort: the leftovers are reported, never acted on.
    }
  };
  await tryList(async () =>
    ((await ec2.send(new DescribeVpcEndpointsCommand({ Filters }))).VpcEndpoints ?? []).map(
      (e) => e.VpcEndpointId,
    ),
  );
  await tryList(async () =>
    ((await ec2.send(new DescribeVolumesCommand({ Filters }))).Volumes ?? [])
      .filter((v) => v.State !== "deleted")
      .map((v) => v.VolumeId),
  );
  await tryList(async () =>
    ((await ec2.send(new DescribeSecurityGroupsCommand({ Filters }))).SecurityGroups ?? []).map(
      (g) => g.GroupId,
    ),
  );
  await tryList(async () =>
    ((await ec2.send(new DescribeSubnetsCommand({ Filters }))).Subnets ?? []).map((s) => s.SubnetId),
  );
  await tryList(async () =>
    ((await ec2.send(new DescribeVpcsCommand({ Filters }))).Vpcs ?? []).map((v) => v.VpcId),
  );
  return found;
}
