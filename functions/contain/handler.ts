import { createRuntime } from "../../shared/runtime/base.ts";
import { lambdaHandler } from "../../shared/runtime/lambda.ts";
import { containLogic } from "./logic.ts";

const runtime = await createRuntime("contain");
export const handler = lambdaHandler(runtime, containLogic(runtime));
