/**
 * What the CLI lets the emulator launcher do when moto is missing: ask the person at the
 * terminal (and show the install's progress), or, with `--no-install` or no terminal, print
 * the exact commands instead.
 */
import { createInterface } from "node:readline/promises";
import type { MotoOptions } from "./local/emulator.ts";
import { isInteractive } from "./local/moto.ts";
import { dim, progress } from "./output.ts";

/** The launcher's options for this terminal. */
export function motoOptions(noInstall: boolean): MotoOptions {
  return {
    noInstall,
    ...(isInteractive() && !noInstall ? { ask } : {}),
    onProgress: (line) => progress(dim(`  ${line}`)),
  };
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(question)).trim().toLowerCase();
    return answer === "" || answer === "y" || answer === "yes";
  } finally {
    rl.close();
  }
}
