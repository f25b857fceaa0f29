// Parquet page decompressors: hyparquet-compressors for every codec, except ZSTD (what Reproject
// writes), which goes through zstddec's WebAssembly build of the reference decoder: several times
// faster than the pure-JS one on this path.
import { compressors as portableCompressors } from "hyparquet-compressors";
import type { Compressors } from "hyparquet";
import { ZSTDDecoder } from "zstddec";

let ready: Promise<Compressors> | undefined;

export function parquetDecompressors(): Promise<Compressors> {
  ready ??= (async () => {
    const zstd = new ZSTDDecoder();
    await zstd.init();
    return { ...portableCompressors, ZSTD: (input, outputLength) => zstd.decode(input, outputLength) };
  })();
  return ready;
}
