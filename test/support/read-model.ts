// Reading and writing read-model tables in tests. Each stored document is
// `{ generation, key, document }` (src/server/tables.ts): the projection's document sits under
// `document`, next to the generation and encoded key it belongs to.
import { inComponent, type createConvexTest } from "./convex";
import type { foldRebufferByCdn, foldSessionSummary } from "./demo-fold";

type T = ReturnType<typeof createConvexTest>;

/** The demo's projections, each with the document its handlers write. */
export interface ReadModelDocuments {
  rebufferByCdn: ReturnType<typeof foldRebufferByCdn>[number];
  sessionSummary: ReturnType<typeof foldSessionSummary>[number];
}
export type ReadModelTable = keyof ReadModelDocuments;

/** A read-model document as it is stored: the projection's document under `document`. */
export function storedDocument<Doc extends object>(generation: number, key: string, document: Doc) {
  return { generation, key, document };
}

/** The projection's documents of one generation of a read-model table, in storage order. */
export async function generationDocuments<Table extends ReadModelTable>(
  t: T,
  table: Table,
  generation: number,
): Promise<ReadModelDocuments[Table][]> {
  const docs = await t.run((ctx) => ctx.db.query(table).collect());
  return docs.filter((doc) => doc.generation === generation).map((doc) => doc.document as ReadModelDocuments[Table]);
}

/** sessionSummary's documents of one generation, by stream id: comparable with foldSessionSummary. */
export async function sessionSummaries(t: T, generation: number): Promise<ReadModelDocuments["sessionSummary"][]> {
  const docs = await generationDocuments(t, "sessionSummary", generation);
  return docs.sort((a, b) => a.streamId.localeCompare(b.streamId));
}

/** The projection's documents of every generation in a read-model table, in storage order. */
export async function allDocuments<Table extends ReadModelTable>(t: T, table: Table): Promise<ReadModelDocuments[Table][]> {
  const docs = await t.run((ctx) => ctx.db.query(table).collect());
  return docs.map((doc) => doc.document as ReadModelDocuments[Table]);
}

/** The projection's documents of its active generation (none while it has no active generation). */
export async function activeDocuments<Table extends ReadModelTable>(t: T, table: Table): Promise<ReadModelDocuments[Table][]> {
  const row = await inComponent(t, (ctx) => ctx.db.query("projections").withIndex("by_name", (q) => q.eq("name", table)).unique());
  return row?.activeGeneration == null ? [] : generationDocuments(t, table, row.activeGeneration);
}
