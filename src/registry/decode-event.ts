// Decoding one stored event for a handler: JSON text → payload of its stored version → upcast to
// the current version (validated at each step).
import type { EventContract } from "./event-contract.ts";
import { decodedEvent, type DecodedEvent, type EventRecord } from "./event-record.ts";
import { PayloadRejection, upcastPayload } from "./upcast.ts";

export function decodeEvent(contract: EventContract, record: EventRecord): DecodedEvent<unknown> | PayloadRejection {
  let json: unknown;
  try {
    json = JSON.parse(record.payload);
  } catch (thrown) {
    // JSON.parse throws only SyntaxErrors; their message says where the text went wrong.
    return new PayloadRejection(`payload is not valid JSON: ${(thrown as SyntaxError).message}`);
  }
  const payload = upcastPayload(contract, record.eventVersion, json);
  return payload instanceof PayloadRejection ? payload : decodedEvent(record, payload);
}
