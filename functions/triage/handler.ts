import { createRuntime } from "../../shared/runtime/base.ts";
import { lambdaHandler } from "../../shared/runtime/lambda.ts";
import { triageLogic } from "./logic.ts";

const runtime = await createRuntime("triage");
export const handler = lambdaHandler(runtime, triageLogic(runtime));
