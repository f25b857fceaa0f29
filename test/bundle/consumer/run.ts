// Run with Node after installing the tarball: the declarations evaluate and check what they should.
import { registry, envelope } from "./events.ts";
import * as react from "reproject/react";
import { reproject } from "./reproject.ts";
import schema from "./schema.ts";

const problems: string[] = [];
if (registry.fingerprint !== "orderLines@1") problems.push(`fingerprint ${registry.fingerprint}`);
if (envelope.columns.position !== "seq" || envelope.columns.type !== "event_type") problems.push("envelope columns");
if (typeof reproject.appendEvents !== "function" || reproject.registry !== registry) problems.push("defineReproject");
if (typeof react.RebuildProgress !== "function" || typeof react.useRebuildControls !== "function") problems.push("react exports");
console.log(
  JSON.stringify({
    problems,
    attributes: Object.keys(envelope.attributes),
    reactExports: Object.keys(react).sort(),
    tables: Object.keys(schema.tables).sort(),
  }),
);
