"use node";
// Reproject's Node actions (planning, chunks, the archiver, archive maintenance, the self-check probe).
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
