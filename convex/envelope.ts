// The demo's event envelope (DESIGN.md "Demo domain"): its core columns are the default names
// (DEFAULT_ENVELOPE_COLUMNS); its attributes are declared here. The replay, the filters,
// `appendEvents`, the archiver and the demo archive generator all read events through it.
// REPROJECT_DEMO_ATTRIBUTES_LAYOUT=map keeps the attributes as keys of one map<string, string>
// column `attributes` instead of a column each (the archive must be written with that layout).
import { defineEnvelope } from "reproject";

const layout = process.env.REPROJECT_DEMO_ATTRIBUTES_LAYOUT ?? "columns";
if (layout !== "columns" && layout !== "map") {
  throw new Error(`REPROJECT_DEMO_ATTRIBUTES_LAYOUT is "${layout}"; it is "columns" (the default) or "map"`);
}

export const envelope = defineEnvelope({
  // `country` came with a schema change part-way through the archive: older files lack it (in the
  // map layout, older events lack the key).
  attributes: { cdn: "string", device: "string", country: "string" },
  ...(layout === "map" ? { attributesColumn: { name: "attributes", type: "map" as const } } : {}),
});
