/**
 * Finding and installing the local emulator on a fresh machine: the decisions and the commands
 * the launcher would run, without reaching a registry (the machine is described, not used),
 * and the progress of a real child process.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveMotoServer } from "../../../cli/local/emulator.ts";
import {
  installDecision,
  locateMoto,
  type Machine,
  MOTO_REQUIREMENT,
  missingMotoMessage,
  motoVenv,
  runInstall,
  shellLine,
} from "../../../cli/local/moto.ts";

const ENV = { XDG_CACHE_HOME: "/home/ana/.cache" };
const VENV = motoVenv(ENV, "linux", "/home/ana");

/** A machine described by what runs on it; records what it was asked to run. */
function machine(runs: string[], opts: { installs?: boolean } = {}) {
  const ran: string[][] = [];
  const present = new Set(runs);
  const m: Machine = {
    runs: (c) => present.has(c),
    exists: (p) => present.has(p),
    run: async (commands, onLine) => {
      ran.push(...commands);
      onLine("Collecting moto[server]==5.2.1");
      if (opts.installs !== false) present.add(VENV.server);
    },
  };
  return { m, ran };
}

describe("where moto lives", () => {
  it("keeps its own copy under the user's cache directory, per platform", () => {
    expect(VENV).toEqual({
      dir: "/home/ana/.cache/incident-responder/moto-5.2.1",
      python: "/home/ana/.cache/incident-responder/moto-5.2.1/bin/python",
      pip: "/home/ana/.cache/incident-responder/moto-5.2.1/bin/pip",
      server: "/home/ana/.cache/incident-responder/moto-5.2.1/bin/moto_server",
    });
    expect(motoVenv({}, "linux", "/home/ana").dir).toBe("/home/ana/.cache/incident-responder/moto-5.2.1");
    expect(motoVenv({}, "darwin", "/Users/ana").dir).toBe(
      "/Users/ana/Library/Caches/incident-responder/moto-5.2.1",
    );
    const win = motoVenv({ LOCALAPPDATA: "C:\\Users\\ana\\AppData\\Local" }, "win32", "C:\\Users\\ana");
    expect(win.server).toBe(join(win.dir, "Scripts", "moto_server.exe"));
  });

  it("uses moto on PATH first, then its own copy, and nothing that does not run", () => {
    expect(locateMoto(machine(["moto_server", VENV.server]).m, VENV)).toBe("moto_server");
    expect(locateMoto(machine([VENV.server]).m, VENV)).toBe(VENV.server);
    expect(locateMoto(machine([]).m, VENV)).toBeUndefined();
    const broken: Machine = { ...machine([]).m, exists: (p) => p === VENV.server, runs: () => false };
    expect(locateMoto(broken, VENV)).toBeUndefined();
  });
});

describe("what the launcher does when moto is missing", () => {
  const commands = [
    ["python3", "-m", "venv", VENV.dir],
    [VENV.pip, "install", "--disable-pip-version-check", MOTO_REQUIREMENT],
  ];

  it("asks a person at a terminal, with the pinned release", () => {
    expect(installDecision({ python: "python3", venv: VENV, interactive: true, noInstall: false })).toEqual({
      kind: "ask",
      commands,
    });
    expect(MOTO_REQUIREMENT).toBe("moto[server]==5.2.1");
  });

  it("prints the exact commands with --no-install or without a terminal", () => {
    const no = installDecision({ python: "python3", venv: VENV, interactive: true, noInstall: true });
    expect(no).toMatchObject({ kind: "print", commands, why: expect.stringContaining("--no-install") });
    const ci = installDecision({ python: "python3", venv: VENV, interactive: false, noInstall: false });
    expect(ci).toMatchObject({ kind: "print", commands });
    expect(missingMotoMessage(ci)).toContain(
      `  ${VENV.pip} install --disable-pip-version-check "moto[server]==5.2.1"`,
    );
    expect(missingMotoMessage(ci)).toContain(`  python3 -m venv ${VENV.dir}`);
    expect(missingMotoMessage(ci)).toContain("AWS_ENDPOINT_URL");
  });

  it("says Python 3 is needed when there is none", () => {
    const d = installDecision({ python: undefined, venv: VENV, interactive: true, noInstall: false });
    expect(d).toEqual({ kind: "no-python" });
    expect(missingMotoMessage(d)).toMatch(/Python 3\.9 or later/);
  });

  it("quotes what a shell would read otherwise", () => {
    expect(shellLine(["pip", "install", "moto[server]==5.2.1"])).toBe('pip install "moto[server]==5.2.1"');
    expect(shellLine(["/a b/python", "-m", "venv"])).toBe('"/a b/python" -m venv');
  });
});

describe("resolveMotoServer", () => {
  it("installs when asked and agreed, shows the progress, and uses its copy", async () => {
    const { m, ran } = machine(["python3"]);
    const lines: string[] = [];
    const questions: string[] = [];
    const server = await resolveMotoServer({
      machine: m,
      env: ENV,
      ask: async (q) => {
        questions.push(q);
        return true;
      },
      onProgress: (l) => lines.push(l),
    });
    expect(server).toBe(VENV.server);
    expect(questions).toEqual([expect.stringContaining(VENV.dir)]);
    expect(ran).toEqual([
      ["python3", "-m", "venv", VENV.dir],
      [VENV.pip, "install", "--disable-pip-version-check", MOTO_REQUIREMENT],
    ]);
    expect(lines).toEqual(["Collecting moto[server]==5.2.1", expect.stringContaining("installed in")]);
  });

  it("installs nothing when declined, without a terminal, or with --no-install, and says what to run", async () => {
    for (const options of [{ ask: async () => false }, {}, { noInstall: true, ask: async () => true }]) {
      const { m, ran } = machine(["python3"]);
      await expect(resolveMotoServer({ machine: m, env: ENV, ...options })).rejects.toThrow(
        /python3 -m venv .*\n.*moto\[server\]==5\.2\.1/,
      );
      expect(ran).toEqual([]);
    }
  });

  it("fails loudly when the install leaves no moto_server that runs", async () => {
    const { m } = machine(["python3"], { installs: false });
    await expect(resolveMotoServer({ machine: m, env: ENV, ask: async () => true })).rejects.toThrow(
      /does not run/,
    );
  });

  it("asks nothing when moto is already there", async () => {
    const { m, ran } = machine(["moto_server"]);
    const ask = async () => {
      throw new Error("asked");
    };
    await expect(resolveMotoServer({ machine: m, env: ENV, ask })).resolves.toBe("moto_server");
    expect(ran).toEqual([]);
  });
});

describe("runInstall", () => {
  it("passes every output line of each command on, in order", async () => {
    const lines: string[] = [];
    await runInstall(
      [
        [process.execPath, "-e", "console.log('one'); console.error('two')"],
        [process.execPath, "-e", "process.stdout.write('three')"],
      ],
      (l) => lines.push(l),
    );
    expect(lines.filter((l) => !l.startsWith("$ "))).toEqual(["one", "two", "three"]);
    expect(lines.filter((l) => l.startsWith("$ "))).toHaveLength(2);
  });

  it("stops at the first command that fails, and says which", async () => {
    const lines: string[] = [];
    await expect(
      runInstall(
        [
          [process.execPath, "-e", "process.exit(3)"],
          [process.execPath, "-e", "console.log('never')"],
        ],
        (l) => lines.push(l),
      ),
    ).rejects.toThrow(/exited with code 3/);
    expect(lines).not.toContain("never");
  });
});
