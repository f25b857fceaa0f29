import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";
import { reproject } from "./reproject";

const crons = cronJobs();
reproject.crons(crons, internal.reproject, internal.reprojectNode);

export default crons;
