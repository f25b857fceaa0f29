// Object-store requests in parallel, a few at a time: planning reads thousands of footers, maintenance
// hundreds of manifests and thousands of deletes, where one request at a time would mostly wait on latency.

/** Requests in flight at once: enough to hide S3 latency, few enough to stay clear of throttling. */
export const STORE_CONCURRENCY = 16;

/** `work` over every item, at most `limit` at a time; results in the items' order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  work: (item: T, index: number) => Promise<R>,
  limit = STORE_CONCURRENCY,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
