/**
 * The one launcher of the local AWS emulator (moto). Used by `npm start`, the CLI and the
 * integration tests. When `AWS_ENDPOINT_URL` is set it starts nothing and uses that endpoint.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { EmulatorError } from "../../shared/errors/index.ts";
import {
  installDecision,
  LOCAL_MACHINE,
  locateMoto,
  locatePython,
  type Machine,
  MOTO_VERSION,
  missingMotoMessage,
  motoVenv,
} from "./moto.ts";

/** A running (or borrowed) emulator endpoint. */
export interface Emulator {
  endpoint: string;
  /** True when this process started the emulator (and so stops it). */
  owned: boolean;
  /** Clears every resource in the emulator (moto's reset API). */
  reset(): Promise<void>;
  stop(): Promise<void>;
  /** The server errors (Python tracebacks) the emulator reported, last ones first cut; empty when borrowed. */
  serverErrors?(): string[];
}

/** Environment the AWS SDK needs to talk to the emulator. */
export function emulatorEnv(endpoint: string, region = "us-east-1"): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID || "testing",
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY || "testing",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

/** How the launcher finds moto, and what it may do when moto is missing. */
export interface MotoOptions {
  /** Never install: say the commands instead (`--no-install`). */
  noInstall?: boolean;
  /** Asks a person a yes/no question; absent when nobody can be asked (then the commands are printed). */
  ask?: (question: string) => Promise<boolean>;
  /** Progress of an install, one line at a time. */
  onProgress?: (line: string) => void;
  machine?: Machine;
  env?: NodeJS.ProcessEnv;
}

/**
 * The `moto_server` command to start: found on PATH or in the launcher's cache; or, asked
 * and agreed, installed there first. Throws {@link EmulatorError} with the exact commands
 * otherwise.
 */
export async function resolveMotoServer(options: MotoOptions = {}): Promise<string> {
  const machine = options.machine ?? LOCAL_MACHINE;
  const venv = motoVenv(options.env ?? process.env);
  const found = locateMoto(machine, venv);
  if (found) return found;
  const decision = installDecision({
    python: locatePython(machine),
    venv,
    interactive: Boolean(options.ask),
    noInstall: Boolean(options.noInstall),
  });
  if (decision.kind !== "ask" || !options.ask) throw new EmulatorError(missingMotoMessage(decision));
  const yes = await options.ask(
    `The local AWS emulator (moto ${MOTO_VERSION}) is not installed. Install it into ${venv.dir}? [Y/n] `,
  );
  if (!yes) throw new EmulatorError(missingMotoMessage({ ...decision, kind: "print", why: "declined" }));
  const progress = options.onProgress ?? (() => {});
  try {
    await machine.run(decision.commands, progress);
  } catch (err) {
    throw new EmulatorError(`installing moto failed: ${(err as Error).message}`, { cause: err });
  }
  const installed = locateMoto(machine, venv);
  if (!installed)
    throw new EmulatorError(`moto was installed into ${venv.dir} but ${venv.server} does not run`);
  progress(`moto ${MOTO_VERSION} installed in ${venv.dir}; it is used from now on`);
  return installed;
}

/** Finds a free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

function resetter(endpoint: string) {
  return async () => {
    const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
    if (!res.ok) throw new EmulatorError(`emulator reset failed: HTTP ${res.status}`);
  };
}

/**
 * Starts moto on a free loopback port (or the given one) and waits until it answers;
 * or, when `AWS_ENDPOINT_URL` is set, returns that endpoint without starting anything.
 */
export async function startEmulator(
  options: { port?: number; env?: NodeJS.ProcessEnv; timeoutMs?: number; moto?: MotoOptions } = {},
): Promise<Emulator> {
  const env = options.env ?? process.env;
  if (env.AWS_ENDPOINT_URL) {
    const endpoint = env.AWS_ENDPOINT_URL.replace(/\/$/, "");
    return { endpoint, owned: false, reset: resetter(endpoint), stop: async () => {} };
  }
  const motoServer = await resolveMotoServer({ env, ...options.moto });

  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(motoServer, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    detached: false,
  });
  let stderr = "";
  const tracebacks: string[] = [];
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    // An exception inside moto answers the call with a 500 page; keep its last line. APIs moto
    // lacks (NotImplementedError) are expected: the responder reports them as unsupported.
    for (const m of d.toString().matchAll(/^(\w*(?:Error|Exception)\b.*)$/gm)) {
      const line = (m[1] ?? "").slice(0, 300);
      if (line.startsWith("NotImplementedError") || line.startsWith("Error on request")) continue;
      if (tracebacks.length < 50) tracebacks.push(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // Never leave an orphan emulator behind when this process exits.
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);

  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await answers(endpoint)) {
      return {
        endpoint,
        owned: true,
        reset: resetter(endpoint),
        serverErrors: () => [...tracebacks],
        stop: async () => {
          process.removeListener("exit", killOnExit);
          if (child.exitCode === null) {
            child.kill("SIGTERM");
            await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
            if (child.exitCode === null) child.kill("SIGKILL");
          }
        },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new EmulatorError(
    `moto_server did not answer on ${endpoint} within ${options.timeoutMs ?? 15_000} ms${
      stderr ? `; its output: ${stderr.trim().split("\n").slice(-5).join(" | ")}` : ""
    }`,
  );
}
