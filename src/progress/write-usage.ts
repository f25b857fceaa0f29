// What a rebuild's batches wrote to the read model, summed batch by batch: the measured per-event
// figures a pre-flight plan of the projection's next rebuild estimates its Convex usage from.

export interface BatchWrites {
  documentsWritten: number;
  bytesWritten: number;
}

export interface WriteUsage extends BatchWrites {
  batches: number;
}

export function addBatchWrites(usage: WriteUsage | undefined, batch: BatchWrites): WriteUsage {
  return {
    batches: (usage?.batches ?? 0) + 1,
    documentsWritten: (usage?.documentsWritten ?? 0) + batch.documentsWritten,
    bytesWritten: (usage?.bytesWritten ?? 0) + batch.bytesWritten,
  };
}
