"use node";
import { runSelfCheck } from "../src/archive/self-check.ts";
import { internalAction } from "./_generated/server";
import { vSelfCheckReport } from "../src/component/validators.ts";

/** Loads the decoders and the writer and reads REPROJECT_ARCHIVE's current metadata, in this deployment's Node runtime. */
export const probeNodeRuntime = internalAction({
  args: {},
  returns: vSelfCheckReport,
  handler: () => runSelfCheck(process.env.REPROJECT_ARCHIVE),
});
