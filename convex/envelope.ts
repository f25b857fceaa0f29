// The demo's event envelope (DESIGN.md "Demo domain"): its core columns are the default names
// (DEFAULT_ENVELOPE_COLUMNS); its attributes are declared here. The replay, the filters,
// `appendEvents`, the archiver and the demo archive generator all read events through it.
import { defineEnvelope } from "reproject";

export const envelope = defineEnvelope({
  // `country` came with a schema change part-way through the archive: older files lack it.
  attributes: { cdn: "string", device: "string", country: "string" },
});
