/**
 * The emulator's departures from AWS that the functions allow for, supplied by the local
 * runner (the deployed functions use `AWS_BEHAVIOUR`: shared/runtime/quirks.ts).
 */
import { leftoverResources } from "../../shared/cleanroom/index.ts";
import type { EmulatorQuirks } from "../../shared/runtime/quirks.ts";

/** moto 5.2.1: volumes need an explicit size; DeleteStack leaves endpoints, volumes and the VPC behind. */
export const MOTO_QUIRKS: EmulatorQuirks = Object.freeze({
  explicitVolumeSize: true,
  stackLeftovers: leftoverResources,
});
