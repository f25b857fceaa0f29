// Reproject wired into the demo app: its component, its projections and its event envelope.
import { defineReproject } from "../src/server/index.ts";
import { components } from "./_generated/api";
import { envelope } from "./envelope";
import { registry } from "./projections";

export const reproject = defineReproject({ component: components.reproject, registry, envelope });
