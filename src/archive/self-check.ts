// The deployment self check's probe: does this Node runtime have what a rebuild and the archiver
// need? It loads the Parquet decoder, the zstd decompressor the reader really uses (and decodes a
// frame with it), the Parquet writer, and opens the configured archive's current metadata through
// the configured store. Each step is timed and, when it fails, says what it looked at, the
// underlying error and what to check. Plain data in, plain data out: `convex/` stores the report.
import { resolve } from "node:path";
import type { EventEnvelope } from "../registry/envelope.ts";
import {
  ArchiveError,
  ArchiveNotFoundError,
  CorruptArchiveError,
  EnvelopeMismatchError,
  TransientStoreError,
} from "./errors.ts";
import { isRestTableReference } from "./rest-catalog/table-reference.ts";
import { s3OptionsFromEnv, type S3StoreOptions } from "./store/s3-store.ts";

export type SelfCheckStepName = "parquet-decoder" | "zstd-decompressor" | "parquet-writer" | "archive-metadata";

export interface SelfCheckStep {
  name: SelfCheckStepName;
  ok: boolean;
  durationMs: number;
  /** What the step exercised: a package, or the archive location with its store and endpoint. */
  target: string;
  /** What it found, when it passed. */
  detail?: string;
  /** When it failed: the underlying error, naming the file or URL it is about. */
  error?: string;
  /** When it failed: what to check. */
  check?: string;
}

export interface SelfCheckReport {
  ok: boolean;
  /** One line: all passed, or the first failed step with its error. */
  summary: string;
  /** The archive location probed (REPROJECT_ARCHIVE), null when none is configured. */
  archive: string | null;
  /** `node v20.20.2 linux x64`. */
  runtime: string;
  steps: SelfCheckStep[];
}

export interface SelfCheckOptions {
  /** Store options; default: S3_ENDPOINT, AWS_* from `env`, with SELF_CHECK_S3_ATTEMPTS attempts per request. */
  s3Options?: S3StoreOptions;
  env?: NodeJS.ProcessEnv;
  /** Whether this deployment writes Parquet (the archiver, maintenance): then parquet-wasm must load. Default true. */
  parquetWriter?: boolean;
  /** The app's event envelope: the archive's current schema must carry every column it declares. */
  envelope?: EventEnvelope;
}

/** One retry rides out a blip; a failure that persists is what the check is there to report, promptly. */
export const SELF_CHECK_S3_ATTEMPTS = 2;
export const SELF_CHECK_REQUEST_TIMEOUT_MS = 10_000;

// 119 bytes of text compressed by `zstd -19 --no-check` into a 69-byte frame with one compressed
// block (literals and a repeat match), so the decoder's entropy and sequence paths both run.
const ZSTD_FRAME_BASE64 =
  "KLUv/QBo5QEA0sMMEbDr58resm1zsClkEnDXSVYqIEW3M7jLXZPR6Wyb1y3X5DPyTGpzzKDKzzDrnF2e9rm/AQD8fyoo";
const ZSTD_FRAME_TEXT =
  "reproject selfCheck: zstd frames decode on this deployment; reproject selfCheck: zstd frames decode on this deployment.";

/** Runs every step (a failed one does not stop the others) and reports them in order. */
export async function runSelfCheck(
  location: string | undefined,
  options: SelfCheckOptions = {},
): Promise<SelfCheckReport> {
  const env = options.env ?? process.env;
  const s3Options = options.s3Options ?? {
    ...s3OptionsFromEnv(env),
    maxAttempts: SELF_CHECK_S3_ATTEMPTS,
    requestTimeoutMs: SELF_CHECK_REQUEST_TIMEOUT_MS,
  };
  const steps: SelfCheckStep[] = [];
  // Modules are imported inside the steps, not at the top: each load is timed (a cold Node action
  // pays it) and a load that fails is reported as that step instead of failing the whole action.
  steps.push(
    await step("parquet-decoder", "hyparquet (pure JS Parquet reader)", async () => {
      const hyparquet = await import("hyparquet");
      if (typeof hyparquet.parquetReadObjects !== "function")
        throw new Error("hyparquet loaded without parquetReadObjects");
      return "hyparquet loaded";
    }),
  );
  steps.push(
    await step("zstd-decompressor", "zstddec (WebAssembly zstd decoder, src/archive/decompressors.ts)", async () => {
      const { parquetDecompressors } = await import("./decompressors.ts");
      const frame = Uint8Array.from(atob(ZSTD_FRAME_BASE64), (char) => char.charCodeAt(0));
      const decoded = (await parquetDecompressors()).ZSTD!(frame, ZSTD_FRAME_TEXT.length);
      const text = new TextDecoder().decode(decoded);
      if (text !== ZSTD_FRAME_TEXT)
        throw new Error(`decoded ${decoded.length} bytes that differ from the frame's content`);
      return `decoded a ${frame.length}-byte zstd frame into ${decoded.length} bytes`;
    }),
  );
  if (options.parquetWriter ?? true) {
    steps.push(
      await step("parquet-writer", "parquet-wasm (Parquet writer, WebAssembly) read back by hyparquet", async () => {
        const [
          { Compression, Table, WriterPropertiesBuilder, writeParquet },
          arrow,
          { parquetReadObjects },
          { parquetDecompressors },
        ] = await Promise.all([
          import("parquet-wasm"),
          import("apache-arrow"),
          import("hyparquet"),
          import("./decompressors.ts"),
        ]);
        const ipc = arrow.tableToIPC(arrow.tableFromArrays({ position: Int32Array.from([1, 2, 3]) }), "stream");
        const properties = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).build();
        const bytes = writeParquet(Table.fromIPCStream(ipc), properties);
        const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        const rows = await parquetReadObjects({ file, compressors: await parquetDecompressors() });
        const positions = rows.map((row) => Number(row.position));
        if (positions.join() !== "1,2,3") throw new Error(`read back positions ${positions.join()} instead of 1,2,3`);
        return `wrote a ${bytes.length}-byte ZSTD Parquet file and read its 3 rows back`;
      }),
    );
  }
  steps.push(await archiveMetadataStep(location, s3Options, env, options.envelope));

  const failed = steps.find((s) => !s.ok);
  const total = steps.reduce((sum, s) => sum + s.durationMs, 0);
  return {
    ok: failed === undefined,
    summary: failed
      ? `${failed.name} failed (${failed.target}): ${failed.error}`
      : `all ${steps.length} steps passed in ${Math.round(total)} ms`,
    archive: location ?? null,
    runtime: `node ${process.version} ${process.platform} ${process.arch}`,
    steps,
  };
}

async function archiveMetadataStep(
  location: string | undefined,
  s3Options: S3StoreOptions,
  env: NodeJS.ProcessEnv,
  envelope: EventEnvelope | undefined,
): Promise<SelfCheckStep> {
  if (!location) {
    return {
      name: "archive-metadata",
      ok: false,
      durationMs: 0,
      target: "REPROJECT_ARCHIVE",
      error: "REPROJECT_ARCHIVE is not set, so there is no archive to read",
      check:
        "set it on the deployment: npx convex env set REPROJECT_ARCHIVE s3://bucket/prefix (or a REST catalog table http(s)://uri#namespace.table)",
    };
  }
  const target = describeArchive(location, s3Options, env);
  return step(
    "archive-metadata",
    target,
    async () => {
      const { loadTable } = await import("./catalog.ts");
      const { currentSnapshot, currentSchema } = await import("./metadata.ts");
      const { checkArchiveCarriesEnvelope } = await import("./archive-envelope.ts");
      const table = await loadTable(location, s3Options, env);
      const snapshot = currentSnapshot(table.metadata);
      const schema = currentSchema(table.metadata);
      if (envelope) checkArchiveCarriesEnvelope(schema, envelope, location);
      const fields = schema.fields.length;
      return (
        `read ${table.store.root}/${table.metadataKey} (Iceberg v${table.metadata["format-version"]}, ${fields} columns, ` +
        (snapshot
          ? `current snapshot ${snapshot["snapshot-id"]} of ${table.metadata.snapshots.length})`
          : "no snapshot yet)")
      );
    },
    (error) => archiveCheck(error, location, s3Options),
  );
}

/** Where the archive is and how it is reached, for messages (never a secret). */
function describeArchive(location: string, s3Options: S3StoreOptions, env: NodeJS.ProcessEnv): string {
  if (isRestTableReference(location)) return `REST catalog table ${location}`;
  if (/^s3a?:\/\//.test(location)) {
    const endpoint = s3Options.endpoint
      ? `S3 endpoint ${s3Options.endpoint}`
      : `AWS S3 in ${s3Options.region ?? "us-east-1"}`;
    const credentials = s3Options.credentials
      ? typeof s3Options.credentials === "function"
        ? "credentials from a provider"
        : `access key ${s3Options.credentials.accessKeyId}`
      : env.AWS_ACCESS_KEY_ID
        ? "AWS_ACCESS_KEY_ID without AWS_SECRET_ACCESS_KEY"
        : "no AWS_ACCESS_KEY_ID (the SDK's default credential chain)";
    return `${location} at ${endpoint}, ${credentials}`;
  }
  return `local directory ${resolve(location.replace(/^file:\/\//, ""))}`;
}

function archiveCheck(error: unknown, location: string, s3Options: S3StoreOptions): string {
  const message = error instanceof Error ? error.message : String(error);
  const s3 = /^s3a?:\/\//.test(location);
  const where = s3
    ? s3Options.endpoint
      ? `S3_ENDPOINT (${s3Options.endpoint})`
      : `AWS_REGION (${s3Options.region ?? "us-east-1"})`
    : "";
  // A REST catalog's refusal already says which ICEBERG_REST_* setting to check.
  if (error instanceof ArchiveError && error.file !== undefined && isRestTableReference(error.file)) {
    return "the REST catalog refused or failed the request: fix what the error names with npx convex env set (ICEBERG_REST_*, REPROJECT_ARCHIVE)";
  }
  if (/no such bucket/.test(message)) {
    const bucket = /^s3a?:\/\/([^/]+)/.exec(location)?.[1];
    return `the bucket "${bucket}" does not exist there: check the bucket name in REPROJECT_ARCHIVE and that ${where} points at the account that holds it`;
  }
  if (/Could not load credentials/i.test(message)) {
    return "there are no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY on the deployment (npx convex env set ...)";
  }
  if (/\b(403|InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied)\b/.test(message)) {
    return "the store refused the credentials: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY on the deployment, and that the key may list and read the table's prefix";
  }
  if (error instanceof TransientStoreError) {
    return isRestTableReference(location)
      ? "the REST catalog did not answer: check its URI in REPROJECT_ARCHIVE and that the deployment can reach it (a cloud deployment cannot reach localhost or a private network)"
      : `the store did not answer: check ${where || "the endpoint"} (scheme, host, port) and that the deployment can reach it (a cloud deployment cannot reach localhost or a private network)`;
  }
  if (error instanceof ArchiveNotFoundError) {
    return (
      "there is no Iceberg table there: check that REPROJECT_ARCHIVE names the table's root (the folder that holds metadata/)" +
      (s3 ? " and its prefix in the bucket" : "") +
      ", or let the archiver run once to create it"
    );
  }
  if (error instanceof EnvelopeMismatchError) {
    return "the table's columns and the app's defineEnvelope differ: fix the declaration or the table as the error says for each column";
  }
  if (error instanceof CorruptArchiveError) {
    return "the table's metadata exists but cannot be read: check that the location holds an Iceberg table (format v1 to v3) and that the last commit completed";
  }
  if (error instanceof ArchiveError)
    return "check REPROJECT_ARCHIVE and the store settings (S3_ENDPOINT, AWS_REGION, AWS_* credentials)";
  return "an unexpected error: see the error for the file or URL it names";
}

async function step(
  name: SelfCheckStepName,
  target: string,
  run: () => Promise<string>,
  check: (error: unknown) => string = packageCheck(name),
): Promise<SelfCheckStep> {
  const started = performance.now();
  try {
    const detail = await run();
    return { name, ok: true, durationMs: performance.now() - started, target, detail };
  } catch (error) {
    return {
      name,
      ok: false,
      durationMs: performance.now() - started,
      target,
      error: describeError(error),
      check: check(error),
    };
  }
}

function packageCheck(name: SelfCheckStepName): (error: unknown) => string {
  return () => {
    switch (name) {
      case "parquet-decoder":
        return "hyparquet is bundled into the Node actions: check that the deployed bundle is current (npx convex deploy)";
      case "zstd-decompressor":
        return "zstddec is bundled into the Node actions and instantiates WebAssembly: check that the deployed bundle is current and WebAssembly is allowed";
      case "parquet-writer":
        return "parquet-wasm loads its .wasm file from node_modules: check that convex.json lists it in node.externalPackages so the deployment installs it";
      default:
        return "see the error";
    }
  };
}

/** The error's own message, then what caused it when that adds something (`fetch failed` ← `connect ECONNREFUSED 127.0.0.1:9`). */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = `${error.name === "Error" ? "" : `${error.name}: `}${error.message}`;
  let cause: unknown = error.cause;
  for (let depth = 0; cause instanceof Error && depth < 4; depth++, cause = cause.cause) {
    if (!text.includes(cause.message)) text += ` (caused by ${cause.message})`;
  }
  return text;
}
