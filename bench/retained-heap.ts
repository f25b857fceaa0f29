// The heap a process retains: sampled after a full garbage collection, so the figure is what is
// still reachable, not how far V8 let the heap grow before collecting (which varies from run to
// run with GC timing and dominates peak RSS).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Samples the heap used after a forced full GC every `intervalMs`; `stop()` gives the largest sample in MB. */
export function sampleRetainedHeap(intervalMs: number): { stop(): number } {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  let largest = 0;
  const sample = () => {
    gc();
    largest = Math.max(largest, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return largest / 2 ** 20;
    },
  };
}
