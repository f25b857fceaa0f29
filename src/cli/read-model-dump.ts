// A generation of a projection's read model read page by page from a local runtime, and the dump
// file `reproject rebuild --dump` writes: a JSON array sorted by the projection's key fields, each
// document's fields in the order the projection declares them.
import { writeFile } from "node:fs/promises";
import type { FunctionReturnType } from "convex/server";
import * as z from "zod";
import { internal } from "../../convex/_generated/api.js";
import type { AnyProjection } from "../registry/index.ts";
import { runFunction, type RuntimeCaller } from "./runtime-calls.ts";

export type ReadModelDocument = Record<string, unknown>;

/**
 * Documents per page: half of the 8,192 items a Convex array may hold, and far inside a query's read
 * limits. Big pages matter on the local runtime, where each page sorts the whole generation again.
 */
const PAGE_DOCUMENTS = 4096;

/** The documents of `generation` (the active one when left out), in the order of their stored key. */
export async function* readModelDocuments(
  runtime: RuntimeCaller,
  projection: string,
  generation?: number,
): AsyncGenerator<ReadModelDocument> {
  let cursor: string | null = null;
  for (;;) {
    const result: FunctionReturnType<typeof internal.reproject.readModelPage> = await runFunction(
      runtime,
      "query",
      internal.reproject.readModelPage,
      {
        projection,
        cursor,
        numItems: PAGE_DOCUMENTS,
        ...(generation === undefined ? {} : { generation }),
      },
    );
    yield* result.page;
    if (result.isDone) return;
    cursor = result.continueCursor;
  }
}

/** Writes a generation of the projection's read model to `file`; returns how many documents it holds. */
export async function dumpReadModel(
  runtime: RuntimeCaller,
  projection: AnyProjection,
  generation: number,
  file: string,
): Promise<number> {
  const documents: ReadModelDocument[] = [];
  for await (const document of readModelDocuments(runtime, projection.name, generation)) documents.push(document);
  await writeDump(file, dumpOrder(documents, projection));
  return documents.length;
}

/** A projection's documents as the dump holds them: fields in their declared order, sorted by key. */
function dumpOrder(documents: ReadModelDocument[], projection: AnyProjection): ReadModelDocument[] {
  const schema = projection.readModel.document;
  const declared = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  const ordered = documents.map((document) => {
    const fields = [
      ...declared.filter((field) => field in document),
      ...Object.keys(document).filter((field) => !declared.includes(field)),
    ];
    return Object.fromEntries(fields.map((field) => [field, document[field]]));
  });
  return sortByKey(ordered, projection.readModel.keyFields);
}

/** Sorted field by field in the key's order, strings by code point (the same on every machine and locale). */
function sortByKey(documents: ReadModelDocument[], keyFields: readonly string[]): ReadModelDocument[] {
  const compare = (a: ReadModelDocument, b: ReadModelDocument) => {
    for (const field of keyFields) {
      const [left, right] = [String(a[field]), String(b[field])];
      if (left !== right) return left < right ? -1 : 1;
    }
    return 0;
  };
  return documents.sort(compare);
}

/** A JSON array with one document per line: readable, and diffable line by line. */
async function writeDump(file: string, documents: readonly ReadModelDocument[]): Promise<void> {
  const lines = documents.map((document) => `  ${JSON.stringify(document)}`);
  await writeFile(file, documents.length === 0 ? "[]\n" : `[\n${lines.join(",\n")}\n]\n`);
}
