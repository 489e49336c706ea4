/**
 * `contain-instance`: isolates every network interface (untracking group, then an empty
 * group), swaps in a deny-all instance profile, takes the instance out of Auto Scaling and
 * load balancers, protects its evidence (termination protection, shutdown behaviour `stop`,
 * `DeleteOnTermination=false`) and tags it. Reversible (`responder release`). Run by the
 * contain lane (shared/workflow/contain.ts).
 */
import * as z from "zod";
import { describeFromContext } from "../containment/describe.ts";
import type { ResourceContext } from "../domain/types.ts";
import { CONTAIN_STEP } from "./step-names.ts";
import { defineAction } from "./types.ts";

export const containInstance = defineAction({
  name: "contain-instance",
  summary: "isolate the instance: every interface, its identity, Auto Scaling and load balancers",
  params: z.strictObject({
    /** Stop the instance after isolating it (loses memory evidence). */
    stopInstance: z.boolean().default(false),
    /** How to take the instance out of its Auto Scaling group. */
    asgMode: z.enum(["standby", "detach"]).default("standby"),
    /** Also enable stop protection (DisableApiStop). */
    stopProtection: z.boolean().default(false),
  }),
  lane: "contain",
  steps: [CONTAIN_STEP],
  permissions: { contain: ["containment", "connectionTracking"] },
  // The planner that contains the instance, on what triage read about it; then the
  // connection-tracking cut on every interface (shared/connection-tracking/cut.ts).
  describe: ({ params, instances }) =>
    instances.flatMap((ctx) => [...describeFromContext(ctx, params), ...connectionTrackingCalls(ctx)]),
});

function connectionTrackingCalls(ctx: ResourceContext): string[] {
  const enis = ctx.networkInterfaceIds?.length
    ? ctx.networkInterfaceIds
    : [`(every network interface of ${ctx.resource.id})`];
  return enis.map(
    (eni) =>
      `ec2:ModifyNetworkInterfaceAttribute ${eni} (ConnectionTrackingSpecification TcpEstablishedTimeout=60 UdpStreamTimeout=60 UdpTimeout=30; previous values recorded)`,
  );
}
