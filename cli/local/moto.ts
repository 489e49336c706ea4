/**
 * Finding, and on a fresh machine installing, the local AWS emulator (moto). A machine with
 * Node and Python 3 but no emulator gets the pinned `moto[server]` installed into a virtual
 * environment under the user's cache directory, once asked (or with the exact commands printed
 * when nobody can be asked); from then on that copy is used. The decisions are pure; only
 * {@link runInstall} and {@link probeCommand} touch the machine.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The moto release the responder is tested against (DESIGN.md). */
export const MOTO_VERSION = "5.2.1";
/** What pip installs. */
export const MOTO_REQUIREMENT = `moto[server]==${MOTO_VERSION}`;

/** Where the machine keeps per-user caches, as each platform's convention says. */
export function cacheRoot(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  if (platform === "win32") return env.LOCALAPPDATA || join(home, "AppData", "Local");
  if (platform === "darwin") return join(home, "Library", "Caches");
  return env.XDG_CACHE_HOME || join(home, ".cache");
}

/** The virtual environment the launcher installs moto into, and its `moto_server`. */
export interface MotoVenv {
  dir: string;
  python: string;
  pip: string;
  server: string;
}

/** The virtual environment for the pinned moto, under the user's cache directory. */
export function motoVenv(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): MotoVenv {
  const dir = join(cacheRoot(env, platform, home), "incident-responder", `moto-${MOTO_VERSION}`);
  const bin = join(dir, platform === "win32" ? "Scripts" : "bin");
  const exe = platform === "win32" ? ".exe" : "";
  return {
    dir,
    python: join(bin, `python${exe}`),
    pip: join(bin, `pip${exe}`),
    server: join(bin, `moto_server${exe}`),
  };
}

/** How to reach the machine: what runs a command, whether a file exists. Injected in tests. */
export interface Machine {
  /** True when `command --help` starts (found on PATH, or a path that runs). */
  runs(command: string): boolean;
  exists(path: string): boolean;
  /** Runs commands one after the other, each output line passed to `onLine`. */
  run(commands: string[][], onLine: (line: string) => void): Promise<void>;
}

/** The real machine. */
export const LOCAL_MACHINE: Machine = {
  runs: probeCommand,
  exists: existsSync,
  run: runInstall,
};

/** The `moto_server` to start: the one on PATH first, else the launcher's own install. */
export function locateMoto(machine: Machine, venv: MotoVenv): string | undefined {
  if (machine.runs("moto_server")) return "moto_server";
  if (machine.exists(venv.server) && machine.runs(venv.server)) return venv.server;
  return undefined;
}

/** The first Python 3 the machine runs. */
export function locatePython(machine: Machine): string | undefined {
  return ["python3", "python"].find((p) => machine.runs(p));
}

/** The commands that install the pinned moto into the virtual environment, in order. */
export function installCommands(venv: MotoVenv, python: string): string[][] {
  return [
    [python, "-m", "venv", venv.dir],
    [venv.pip, "install", "--disable-pip-version-check", MOTO_REQUIREMENT],
  ];
}

/** A command as a person would type it (arguments with spaces or brackets quoted). */
export function shellLine(command: string[]): string {
  return command
    .map((a) => (/^[\w./:=@+-]+$/.test(a) ? a : `"${a.replace(/(["\\$`])/g, "\\$1")}"`))
    .join(" ");
}

/** What the launcher does when moto is missing. */
export type InstallDecision =
  | { kind: "ask"; commands: string[][] }
  | { kind: "print"; commands: string[][]; why: string }
  | { kind: "no-python" };

/**
 * Pure: ask to install when a person is at an interactive terminal and did not say
 * `--no-install`; otherwise say the exact commands. Without Python 3 there is nothing to install
 * with.
 */
export function installDecision(input: {
  python: string | undefined;
  venv: MotoVenv;
  interactive: boolean;
  noInstall: boolean;
}): InstallDecision {
  if (!input.python) return { kind: "no-python" };
  const commands = installCommands(input.venv, input.python);
  if (input.noInstall) return { kind: "print", commands, why: "--no-install was given" };
  if (!input.interactive)
    return { kind: "print", commands, why: "nobody can be asked (not an interactive terminal)" };
  return { kind: "ask", commands };
}

/** True when a person can answer a question on this terminal (and CI did not say otherwise). */
export function isInteractive(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY) && !env.CI;
}

/** The message for a machine without the emulator, with what to run. */
export function missingMotoMessage(decision: InstallDecision): string {
  const head = "The local AWS emulator (moto_server) was not found on PATH or in the launcher's cache.";
  const alt = "Or set AWS_ENDPOINT_URL to a running emulator.";
  if (decision.kind === "no-python") {
    return `${head} Installing it needs Python 3.9 or later (python3), which was not found either: install Python 3, then run this again. ${alt}`;
  }
  return `${head} Install moto ${MOTO_VERSION} with:\n${decision.commands.map((c) => `  ${shellLine(c)}`).join("\n")}\n${alt}`;
}

/** True when `command --help` runs to its end. */
export function probeCommand(command: string): boolean {
  const probe = spawnSync(command, ["--help"], { stdio: "ignore", timeout: 30_000 });
  return !probe.error && probe.status === 0;
}

/** Runs the install commands one after the other, each output line passed to `onLine`. */
export async function runInstall(commands: string[][], onLine: (line: string) => void): Promise<void> {
  for (const [command, ...args] of commands) {
    if (!command) continue;
    onLine(`$ ${shellLine([command, ...args])}`);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
      let partial = "";
      const lines = (d: Buffer) => {
        const parts = (partial + d.toString()).split(/\r?\n/);
        partial = parts.pop() ?? "";
        for (const p of parts) if (p.trim()) onLine(p);
      };
      child.stdout.on("data", lines);
      child.stderr.on("data", lines);
      child.once("error", reject);
      child.once("exit", (code) => {
        if (partial.trim()) onLine(partial);
        if (code === 0) resolve();
        else reject(new Error(`${shellLine([command, ...args])} exited with code ${code}`));
      });
    });
  }
}
