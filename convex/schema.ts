import { defineSchema } from "convex/server";
import { reprojectTables } from "../src/server/index.ts";
import { registry } from "./projections";

export default defineSchema({
  ...reprojectTables(registry),
});
