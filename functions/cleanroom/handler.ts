import { createRuntime } from "../../shared/runtime/base.ts";
import { cleanroomLogic } from "../../shared/runtime/functions.ts";
import { lambdaHandler } from "../../shared/runtime/lambda.ts";

const runtime = await createRuntime("cleanroom");
export const handler = lambdaHandler(runtime, cleanroomLogic(runtime));
