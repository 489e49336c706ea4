import { describe, expect, it } from "vitest";
import { recordedAttempt } from "../../../shared/domain/attempt.ts";
import type { ActionResult } from "../../../shared/domain/types.ts";

describe("recordedAttempt", () => {
  it("records a change that worked as ok, with what it did", async () => {
    const steps: ActionResult[] = [];
    const open: string[] = [];
    await recordedAttempt(steps, "bucket-a", { open })("put-policy", "deny added", async () => "done");
    expect(steps).toEqual([{ name: "put-policy", target: "bucket-a", status: "ok", detail: "deny added" }]);
    expect(open).toEqual([]);
  });

  it("records a failure with the error, lists it as open, and does not throw", async () => {
    const steps: ActionResult[] = [];
    const open: string[] = [];
    const attempt = recordedAttempt(steps, "user/alice", { open });
    await attempt("deny-policy", "put", async () => {
      throw new Error("AccessDenied: no");
    });
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ name: "deny-policy", target: "user/alice", status: "failed" });
    expect(steps[0]?.detail).toContain("AccessDenied");
    expect(open).toHaveLength(1);
    expect(open[0]).toMatch(/^deny-policy: .*AccessDenied/);
  });

  it("without an open list, records the failure only", async () => {
    const steps: ActionResult[] = [];
    await recordedAttempt(steps, "t")("x", "d", () => Promise.reject(new Error("boom")));
    expect(steps.map((s) => s.status)).toEqual(["failed"]);
  });

  it("turns an error the caller recognises into ok, and keeps it out of what is open", async () => {
    const steps: ActionResult[] = [];
    const open: string[] = [];
    const attempt = recordedAttempt(steps, "role/r", {
      open,
      recover: (name, err) =>
        name === "delete" && err instanceof Error && err.message === "gone" ? "already gone" : undefined,
    });
    await attempt("delete", "delete it", () => Promise.reject(new Error("gone")));
    await attempt("other", "other", () => Promise.reject(new Error("gone")));
    expect(steps.map((s) => [s.name, s.status, s.status === "ok" ? s.detail : ""])).toEqual([
      ["delete", "ok", "already gone"],
      ["other", "failed", ""],
    ]);
    expect(open).toEqual([expect.stringMatching(/^other: /)]);
  });
});
