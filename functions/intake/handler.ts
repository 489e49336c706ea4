import { createRuntime } from "../../shared/runtime/base.ts";
import { lambdaHandler } from "../../shared/runtime/lambda.ts";
import { intakeLogic } from "./logic.ts";

const runtime = await createRuntime("intake");
export const handler = lambdaHandler(runtime, intakeLogic(runtime));
