"use node";
import { v } from "convex/values";
import { internalAction } from "./_generated/server";

export const probeNodeRuntime = internalAction({
  args: {},
  returns: v.object({ nodeVersion: v.string() }),
  handler: async () => ({ nodeVersion: process.version }),
});
