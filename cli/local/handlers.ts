/**
 * Loading a function's handler for the local runner, and the Lambda context it is invoked with.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RuntimeOptions } from "../../shared/runtime/lambda.ts";

/** A function's handler, as Lambda calls it. */
export type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/**
 * Loads a function's handler: `functions/<name>/handler.ts`, the module the deployment
 * bundles, or, given a directory of built bundles (scripts/build.mjs), `<dir>/<name>/index.mjs`.
 * Given `options`, the handler is built afresh with them (the module's `compose`: a runtime of
 * its own, with the runner's client middleware and the emulator's quirks); without them, or
 * from a module that cannot compose, it is the module's deployed `handler`.
 */
export async function loadHandler(
  functionName: string,
  bundlesDir?: string,
  options?: RuntimeOptions,
): Promise<Handler> {
  if (!/^[a-z][a-z0-9-]*$/.test(functionName)) throw new Error(`bad function name ${functionName}`);
  const path = bundlesDir
    ? join(bundlesDir, functionName, "index.mjs")
    : fileURLToPath(new URL(`../../functions/${functionName}/handler.ts`, import.meta.url));
  if (!existsSync(path))
    throw new Error(`${path} does not exist${bundlesDir ? ": build the bundles first" : ""}`);
  const mod = (await import(path)) as {
    handler?: Handler;
    compose?: (options: RuntimeOptions) => Promise<Handler>;
  };
  if (options && typeof mod.compose === "function") return mod.compose(options);
  if (typeof mod.handler !== "function") throw new Error(`${path} exports no handler`);
  return mod.handler;
}

/** The context Lambda passes a handler, for one invocation of `functionName`. */
export function lambdaContext(functionName: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
