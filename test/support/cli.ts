/** Runs the `responder` command line as a user would, in a child process. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/responder.mjs", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `responder <args>` to completion. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  input?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...env, NO_COLOR: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

/** Starts a long-running `responder <args>` and resolves with its first stdout line. */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcess; firstLine: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buffer = "";
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    child.stdout?.on("data", (d) => {
      buffer += d;
      const nl = buffer.indexOf("\n");
      if (nl >= 0) resolve({ child, firstLine: buffer.slice(0, nl) });
    });
    child.on("exit", (code) =>
      reject(new Error(`exited ${code} before it was ready: ${stderr.slice(-2000)}`)),
    );
  });
}

/** Stops a child with SIGTERM and resolves with its exit code. */
export function stopCli(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}
