"use node";
import { reprojectNode } from "reproject/node";
import { reproject } from "./reproject";

export const {
  initializeLog,
  plan,
  preflight,
  chunk,
  archive,
  compact,
  expire,
  cleanOrphans,
  maintain,
  probeNodeRuntime,
} = reprojectNode(reproject);
