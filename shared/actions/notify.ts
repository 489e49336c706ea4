/**
 * `notify`: an SNS alert. Every lane alerts at every stage anyway; a playbook of `notify` only
 * is an alert-only response.
 */
import * as z from "zod";
import { defineAction } from "./types.ts";

export const notify = defineAction({
  name: "notify",
  summary: "an SNS alert",
  params: z.strictObject({}),
  steps: [],
  permissions: {},
  describe: () => ["sns:Publish alert topic"],
});
