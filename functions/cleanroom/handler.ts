import { createRuntime } from "../../shared/runtime/base.ts";
import { lambdaHandler } from "../../shared/runtime/lambda.ts";
import { cleanroomLogic } from "../../shared/runtime/logic/cleanroom.ts";

const runtime = await createRuntime("cleanroom");
export const handler = lambdaHandler(runtime, cleanroomLogic(runtime));
