import { createRuntime } from "../../shared/runtime/base.ts";
import { evidenceLogic } from "../../shared/runtime/functions.ts";
import { lambdaHandler } from "../../shared/runtime/lambda.ts";

const runtime = await createRuntime("evidence");
export const handler = lambdaHandler(runtime, evidenceLogic(runtime));
