import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";
import { reproject } from "./reproject";

const crons = cronJobs();
// Reconcile versions, archive events older than REPROJECT_ARCHIVE_RETENTION_MS, maintain the archive.
reproject.crons(crons, internal.reproject, internal.reprojectNode);

export default crons;
