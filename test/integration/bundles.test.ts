/**
 * The bundles as they are deployed (scripts/build.mjs: esbuild, with the SDK schema pruning),
 * not the TypeScript sources, handle a full incident against the emulator: the c2 drill
 * passes every expectation with every function running from its bundle. This is what proves
 * that what the build leaves out was not needed.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLocalDrills, seedDemo } from "../../cli/drill/local.ts";
import type { DrillOutcome } from "../../cli/drill/run.ts";
import { scenario } from "../../cli/drill/scenarios.ts";
import { type LocalSession, startLocalSession } from "../../cli/local/session.ts";
import { buildFunction, functionsOf } from "../../scripts/build.mjs";
import { resetEmulator } from "../support/emulator.ts";
import { repoRoot } from "../unit/iam/sources.ts";

const BUNDLES = join(repoRoot, ".test-bundles");

describe("the built bundles, run by the local responder", () => {
  let session: LocalSession;
  let outcome: DrillOutcome;
  let sizes: { name: string; raw: number }[];
  const saved = { policy: process.env.POLICY_FILE, template: process.env.CLEANROOM_TEMPLATE_FILE };

  beforeAll(async () => {
    rmSync(BUNDLES, { recursive: true, force: true });
    sizes = await Promise.all(Object.keys(functionsOf()).map((name) => buildFunction(name, BUNDLES)));
    // As in Lambda: the policy and the template are the copies shipped next to each bundle.
    process.env.POLICY_FILE = join(BUNDLES, "triage", "policy.json");
    process.env.CLEANROOM_TEMPLATE_FILE = join(BUNDLES, "cleanroom", "cleanroom.yaml");
    await resetEmulator();
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    session = await startLocalSession({ maxAttempts: 2, bundlesDir: BUNDLES });
    const demo = await seedDemo(session);
    [outcome] = (await runLocalDrills(session, demo, [scenario("c2")], { queueName: "bundle-alerts" })) as [
      DrillOutcome,
    ];
  }, 180_000);

  afterAll(async () => {
    await session?.stop();
    for (const [key, value] of [
      ["POLICY_FILE", saved.policy],
      ["CLEANROOM_TEMPLATE_FILE", saved.template],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(BUNDLES, { recursive: true, force: true });
  });

  it("built every function", () => {
    expect(sizes.map((s) => s.name).sort()).toEqual(Object.keys(functionsOf()).sort());
    console.log(`bundles: ${sizes.map((s) => `${s.name} ${(s.raw / 1024).toFixed(0)} KiB`).join(", ")}`);
  });

  it("passes every expectation of the c2 drill", () => {
    expect(outcome.checks.filter((c) => !c.pass)).toEqual([]);
    expect(outcome.pass).toBe(true);
  });

  it("contains, preserves the evidence and launches the clean room from the bundles", () => {
    const steps = outcome.incident?.steps ?? {};
    const why = JSON.stringify(steps, null, 1);
    expect(steps.contain?.status, why).toBe("verified");
    expect(steps.snapshots?.status, why).toBe("ok");
    expect(steps.manifest?.status, why).toBe("ok");
  });
});
