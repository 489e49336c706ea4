/**
 * Where the clean-room template comes from: an S3 URL when one is configured (TemplateURL),
 * otherwise the file shipped with the code (TemplateBody, read once).
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { ConfigError } from "../errors/index.ts";
import type { TemplateSource } from "./stack.ts";

/** CloudFormation's limit for TemplateBody. */
export const TEMPLATE_BODY_MAX_BYTES = 51_200;

/** Reads the template source named by the configuration. Fails with a {@link ConfigError} naming the file. */
export async function loadTemplate(cfg: { file: string; url?: string | undefined }): Promise<TemplateSource> {
  if (cfg.url) return { url: cfg.url };
  let body: string;
  try {
    body = await readFile(cfg.file, "utf8");
  } catch (err) {
    throw new ConfigError(
      `clean room template ${cfg.file} cannot be read (CLEANROOM_TEMPLATE_FILE): ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (Buffer.byteLength(body) > TEMPLATE_BODY_MAX_BYTES) {
    throw new ConfigError(
      `clean room template ${cfg.file} is over ${TEMPLATE_BODY_MAX_BYTES} bytes: upload it to S3 and set CLEANROOM_TEMPLATE_URL`,
    );
  }
  return { body, source: basename(cfg.file) };
}
