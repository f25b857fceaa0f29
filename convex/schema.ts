import { defineSchema } from "convex/server";
import { reprojectTables } from "reproject/server";
import { registry } from "./projections";

export default defineSchema({
  ...reprojectTables(registry),
});
