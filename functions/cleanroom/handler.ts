import { createRuntime } from "../../shared/runtime/base.ts";
import { lambdaHandler } from "../../shared/runtime/lambda.ts";
import { cleanroomLogic } from "./logic.ts";

const runtime = await createRuntime("cleanroom");
export const handler = lambdaHandler(runtime, cleanroomLogic(runtime));
