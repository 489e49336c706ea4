/**
 * The permissions of each Lambda function: the modules it runs (its base ones, and those of the
 * actions whose lanes it runs, from the action registry), what its member-account sessions are
 * for, and the actions its role must grant.
 */
import { ACTIONS, type ActionDefinition } from "../actions/index.ts";
import { type FunctionName, LANES } from "../actions/step-names.ts";
import { MODULES, type ModuleName, type ModulePermissions, OPERATOR_ONLY_MODULES } from "./modules.ts";

/**
 * Every module: those of shared/iam/modules.ts, and the own module of each action that declares
 * one (`ownModule`), under the action's name.
 */
export const ALL_MODULES: Readonly<Record<string, ModulePermissions>> = {
  ...MODULES,
  ...Object.fromEntries(
    (ACTIONS as readonly ActionDefinition[]).flatMap((a) => (a.ownModule ? [[a.name, a.ownModule]] : [])),
  ),
};

/** A Lambda function: its role's logical id in serverless.yml and the modules it runs. */
export interface FunctionPermissions {
  role: string;
  /** Names in {@link ALL_MODULES}. */
  modules: readonly string[];
}

/** The modules every function runs whatever its actions: the runtime, its store and alerts. */
const BASE_MODULES: Readonly<Record<FunctionName, readonly ModuleName[]>> = {
  // Also approval decisions sent as events: decide() needs only the store, alerts and bus.
  // And the daily preflight (shared/preflight/schedule.ts): its reads of the responder's own account.
  triage: ["runtime", "deadLetters", "accounts", "store", "alerts", "bus", "resolve", "preflight"],
  // The bus: a containment that grew while it ran starts its own lane again (escalation).
  contain: ["runtime", "deadLetters", "accounts", "store", "alerts", "bus"],
  evidence: ["runtime", "deadLetters", "accounts", "store", "alerts", "bus"],
  cleanroom: ["runtime", "deadLetters", "accounts", "store", "alerts", "bus"],
  // Events published to the intake topic (SNS): the same triage as the triage function.
  intake: ["runtime", "deadLetters", "accounts", "store", "alerts", "bus", "resolve"],
};

/** The role of each function in serverless.yml. */
const ROLES: Readonly<Record<FunctionName, string>> = {
  triage: "TriageRole",
  contain: "ContainRole",
  evidence: "EvidenceRole",
  cleanroom: "CleanroomRole",
  intake: "IntakeRole",
};

/**
 * What each function runs (functions/<name>/logic.ts wires them): its base modules, and
 * the modules of every action whose lane it runs (each action's `permissions`).
 */
export const FUNCTIONS: Readonly<Record<string, FunctionPermissions>> = Object.fromEntries(
  (Object.keys(ROLES) as FunctionName[]).map((fn) => {
    const modules = new Set<string>(BASE_MODULES[fn]);
    for (const action of ACTIONS as readonly ActionDefinition[]) {
      for (const m of action.permissions[fn] ?? []) modules.add(m);
      if (action.ownModule && action.lane && LANES[action.lane].function === fn) modules.add(action.name);
    }
    return [fn, { role: ROLES[fn], modules: [...modules] }];
  }),
);

/** What a member-account session is for: the member read role, or the member act role. */
export type MemberPurpose = "read" | "act";

/**
 * The member role each function's sessions use in a member account, by the IAM service of the
 * clients built on them (functions/<name>/logic.ts, AccountSessions.optionsFor): triage and
 * intake only read; the evidence lane snapshots (and reads the console) with its EC2 session and
 * reads the rest; containment and clean rooms act. test/integration/iam-calls.test.ts checks it
 * against the sessions a full incident's calls are signed with.
 */
export const MEMBER_SESSIONS: Readonly<Record<string, Readonly<Record<string, MemberPurpose>>>> = {
  triage: { autoscaling: "read", ec2: "read" },
  intake: { autoscaling: "read", ec2: "read" },
  contain: { autoscaling: "act", ec2: "act", elasticloadbalancing: "act", iam: "act", s3: "act" },
  evidence: {
    autoscaling: "read",
    cloudtrail: "read",
    ebs: "read",
    ec2: "act",
    elasticloadbalancing: "read",
    iam: "read",
  },
  cleanroom: { cloudformation: "act", ec2: "act", iam: "act" },
};

/**
 * The actions a member role must grant: every target-scope action of the functions' sessions of
 * that purpose, and — for the act role — those of target-scope modules no function runs yet
 * (release of instances: people run it from the CLI), except {@link OPERATOR_ONLY_MODULES}.
 */
export function memberRoleActions(purpose: MemberPurpose): string[] {
  const out = new Set<string>();
  const run = new Set<string>();
  for (const [fn, def] of Object.entries(FUNCTIONS)) {
    for (const m of def.modules) {
      const def = ALL_MODULES[m] as ModulePermissions;
      if (def.scope !== "target" || m in OPERATOR_ONLY_MODULES) continue;
      run.add(m);
      for (const action of def.actions) {
        const service = action.split(":")[0] ?? "";
        const used = MEMBER_SESSIONS[fn]?.[service];
        if (!used) throw new Error(`${fn} has no member session for ${service} (MEMBER_SESSIONS)`);
        if (used === purpose) out.add(action);
      }
    }
  }
  if (purpose === "act") {
    for (const [m, def] of Object.entries(ALL_MODULES))
      if (def.scope === "target" && !run.has(m) && !(m in OPERATOR_ONLY_MODULES))
        for (const a of def.actions) out.add(a);
  }
  return [...out].sort();
}

/** The functions whose sessions of `purpose` assume the member role of that purpose. */
export function memberRoleUsers(purpose: MemberPurpose): string[] {
  return Object.entries(MEMBER_SESSIONS)
    .filter(([, services]) => Object.values(services).includes(purpose))
    .map(([fn]) => fn)
    .sort();
}

/** Actions that take no resource ARN: the only ones allowed on `Resource: "*"`. */
export function isUnscopedAction(action: string): boolean {
  return (
    /^(ec2|autoscaling|elasticloadbalancing):Describe[A-Za-z]+$/.test(action) ||
    [
      "cloudformation:ListStacks",
      "cloudtrail:ListTrails",
      "cloudtrail:LookupEvents",
      "config:DescribeConfigurationRecorderStatus",
      "guardduty:ListDetectors",
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
    ].includes(action)
  );
}

/** Every IAM action a function needs, sorted and without duplicates. */
export function functionActions(name: string): string[] {
  const fn = FUNCTIONS[name];
  if (!fn) throw new Error(`no permissions declared for function ${name}`);
  return [...new Set(fn.modules.flatMap((m) => (ALL_MODULES[m] as ModulePermissions).actions))].sort();
}

/** The services through which a function uses the responder's KMS key. */
export function functionKmsVia(name: string): string[] {
  const fn = FUNCTIONS[name];
  if (!fn) throw new Error(`no permissions declared for function ${name}`);
  const via = fn.modules.flatMap((m) => ((ALL_MODULES[m] as ModulePermissions).kmsVia ?? []) as string[]);
  return [...new Set(via)].sort();
}
