// Every app-side function the engine needs, as `reproject.functions()` returns them for the app's
// `convex/reproject.ts` to export.
import type { FUNCTION_NAMES } from "../references.ts";
import type { Wiring } from "../wiring.ts";
import { archiverFunctions } from "./archiver.ts";
import { eventLogFunctions } from "./event-log.ts";
import { maintenanceFunctions } from "./maintenance.ts";
import { readModelFunctions } from "./read-models.ts";
import { redriveFunctions } from "./redrive.ts";
import { replayFunctions } from "./replay.ts";
import { retentionFunctions } from "./retention.ts";
import { selfCheckFunctions } from "./self-check.ts";
import { watchdogFunctions } from "./watchdog.ts";

export function engineFunctions(wiring: Wiring) {
  const functions = {
    ...replayFunctions(wiring),
    ...readModelFunctions(wiring),
    ...eventLogFunctions(wiring),
    ...archiverFunctions(wiring),
    ...maintenanceFunctions(wiring),
    ...selfCheckFunctions(wiring),
    ...watchdogFunctions(wiring),
    ...retentionFunctions(wiring),
    ...redriveFunctions(wiring),
  };
  return functions satisfies Record<(typeof FUNCTION_NAMES)[number], unknown>;
}
