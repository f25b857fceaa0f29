// How this app's events sit in its Iceberg archive: its own column names, and two attributes.
import { defineEnvelope } from "reproject";

export const envelope = defineEnvelope({
  columns: { position: "seq", stream: "order_id" },
  attributes: { region: "string", channel: "string" },
});
