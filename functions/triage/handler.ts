import { createRuntime } from "../../shared/runtime/base.ts";
import { triageLogic } from "../../shared/runtime/functions.ts";
import { lambdaHandler } from "../../shared/runtime/lambda.ts";

const runtime = await createRuntime("triage");
export const handler = lambdaHandler(runtime, triageLogic(runtime));
