/**
 * What a figure was measured on: Node, CPU, cores, memory, the emulator's version, the date.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Machine {
  node: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  moto: string;
  date: string;
}

/** The Python that runs `moto_server` (its script's shebang, through pyenv's shim when there is one). */
async function motoPython(): Promise<string | undefined> {
  try {
    let script = (await run("sh", ["-c", "command -v moto_server"], { timeout: 5000 })).stdout.trim();
    if (!script) return undefined;
    if (script.includes("/shims/")) {
      script = (await run("pyenv", ["which", "moto_server"], { timeout: 10_000 })).stdout.trim() || script;
    }
    const first = (await readFile(script, "utf8")).split("\n")[0] ?? "";
    const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (!m) return undefined;
    return m[1]?.endsWith("/env") ? m[2] : m[1];
  } catch {
    return undefined;
  }
}

/** The installed moto's version, from its package metadata (moto_server has no --version). */
export async function motoVersion(): Promise<string> {
  const code = "import importlib.metadata as m; print(m.version('moto'))";
  for (const python of [await motoPython(), "python3"]) {
    if (!python) continue;
    try {
      const { stdout } = await run(python, ["-c", code], { timeout: 15_000 });
      if (stdout.trim()) return `moto ${stdout.trim()}`;
    } catch {
      // try the next interpreter
    }
  }
  return "moto (version unknown)";
}

export async function describeMachine(): Promise<Machine> {
  return {
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${process.platform}/${process.arch}`,
    moto: await motoVersion(),
    date: new Date().toISOString(),
  };
}

/** One line: `Node v20 · Intel Xeon · 2 cores · 23.5 GiB · moto 5.2.1 · 2026-…`. */
export function machineLine(m: Machine): string {
  return `Node ${m.node} · ${m.cpu} · ${m.cores} cores · ${m.memoryGiB} GiB · ${m.platform} · ${m.moto} · ${m.date}`;
}
