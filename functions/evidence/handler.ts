import { createRuntime } from "../../shared/runtime/base.ts";
import { lambdaHandler } from "../../shared/runtime/lambda.ts";
import { evidenceLogic } from "./logic.ts";

const runtime = await createRuntime("evidence");
export const handler = lambdaHandler(runtime, evidenceLogic(runtime));
