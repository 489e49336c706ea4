import { createRuntime } from "../../shared/runtime/base.ts";
import { containLogic } from "../../shared/runtime/functions.ts";
import { lambdaHandler } from "../../shared/runtime/lambda.ts";

const runtime = await createRuntime("contain");
export const handler = lambdaHandler(runtime, containLogic(runtime));
