import { createRuntime } from "../../shared/runtime/base.ts";
import { intakeLogic } from "../../shared/runtime/functions.ts";
import { lambdaHandler } from "../../shared/runtime/lambda.ts";

const runtime = await createRuntime("intake");
export const handler = lambdaHandler(runtime, intakeLogic(runtime));
