import { lambdaEntry, type RuntimeOptions } from "../../shared/runtime/lambda.ts";
import { cleanroomLogic } from "./logic.ts";

/** The deployed handler: AWS's own behaviour, and no middleware on its clients. */
export const handler = await lambdaEntry("cleanroom", cleanroomLogic);

/** The same handler built by a local runner, with its middleware and the emulator's quirks. */
export const compose = (options: RuntimeOptions) => lambdaEntry("cleanroom", cleanroomLogic, options);
