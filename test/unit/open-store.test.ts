import { describe, expect, it } from "vitest";
import { ArchiveError } from "../../src/archive/errors.ts";
import { openObjectStore } from "../../src/archive/store/open-store.ts";

describe("opening a store for a location", () => {
  it("refuses a REST catalog table instead of taking its URL for a local directory", () => {
    expect(() => openObjectStore("https://catalog.example.com/iceberg#events.video")).toThrow(ArchiveError);
    expect(() => openObjectStore("https://catalog.example.com/iceberg#events.video")).toThrow(
      "https://catalog.example.com/iceberg#events.video: is a REST catalog table, which Reproject reads but cannot write",
    );
  });
});
