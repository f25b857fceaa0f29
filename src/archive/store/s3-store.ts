import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import {
  ArchiveError,
  ArchiveNotFoundError,
  CommitConflictError,
  CorruptArchiveError,
  ForeignPathError,
  TransientStoreError,
} from "../errors.ts";
import { normalizeKey, type ByteRange, type ObjectInfo, type ObjectStore } from "./object-store.ts";

export interface S3Location {
  bucket: string;
  /** Key prefix of the table root, without leading or trailing slash ("" for the bucket root). */
  prefix: string;
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (STS, a catalog's vended credentials) come with a session token. */
  sessionToken?: string;
  /** When temporary credentials stop working; the SDK asks the provider again before then. */
  expiration?: Date;
}

/** Credentials that change over time (vended by a catalog, refreshed before they expire). */
export type S3CredentialProvider = () => Promise<S3Credentials>;

export interface S3StoreOptions {
  /** Any S3-compatible endpoint (R2, MinIO, a loopback server); AWS when absent. */
  endpoint?: string;
  region?: string;
  /** Absent: the SDK's default credential chain. */
  credentials?: S3Credentials | S3CredentialProvider;
  /** Attempts per request, the first included. */
  maxAttempts?: number;
  /** Milliseconds before the first retry; doubles each time, with jitter. */
  initialBackoffMs?: number;
  /** Milliseconds a request may stall before it is abandoned and retried. */
  requestTimeoutMs?: number;
}

export const S3_DEFAULT_MAX_ATTEMPTS = 6;
export const S3_DEFAULT_INITIAL_BACKOFF_MS = 100;
/** Long enough for a multi-megabyte row group on a slow link, short enough to notice a stalled socket. */
export const S3_DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Options from the environment: S3_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY. */
export function s3OptionsFromEnv(env: NodeJS.ProcessEnv = process.env): S3StoreOptions {
  return {
    endpoint: env.S3_ENDPOINT || undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
    credentials:
      env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }
        : undefined,
  };
}

export function parseS3Url(url: string): S3Location {
  const match = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) throw new ArchiveError(url, "is not an s3:// URL (expected s3://bucket/prefix)");
  return { bucket: match[1]!, prefix: match[2]!.replace(/\/+$/, "") };
}

/** A table in an S3-compatible bucket. Retries transient failures itself, with exponential backoff. */
export class S3ObjectStore implements ObjectStore {
  readonly root: string;
  private readonly client: S3Client;
  private readonly maxAttempts: number;
  private readonly initialBackoffMs: number;
  private readonly requestTimeoutMs: number;

  constructor(
    private readonly location: S3Location,
    options: S3StoreOptions = {},
  ) {
    this.root = `s3://${location.bucket}/${location.prefix}`.replace(/\/$/, "");
    this.maxAttempts = options.maxAttempts ?? S3_DEFAULT_MAX_ATTEMPTS;
    this.initialBackoffMs = options.initialBackoffMs ?? S3_DEFAULT_INITIAL_BACKOFF_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? S3_DEFAULT_REQUEST_TIMEOUT_MS;
    const timeout = options.requestTimeoutMs ?? S3_DEFAULT_REQUEST_TIMEOUT_MS;
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region ?? "us-east-1",
      credentials: options.credentials,
      forcePathStyle: options.endpoint !== undefined,
      // Retries happen in `withRetries`, which also covers truncated bodies the SDK cannot see.
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ connectionTimeout: timeout, requestTimeout: timeout, throwOnRequestTimeout: true }),
    });
  }

  private keyOf(key: string): string {
    const normalized = normalizeKey(key);
    if (normalized === null) throw new ForeignPathError(key, `escapes the table location ${this.root}`);
    return this.location.prefix ? `${this.location.prefix}/${normalized}` : normalized;
  }

  private urlOf(key: string): string {
    return `s3://${this.location.bucket}/${this.keyOf(key)}`;
  }

  async size(key: string): Promise<number> {
    const head = await this.withRetries(key, (abortSignal) =>
      this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(key) }), { abortSignal }),
    );
    return head.ContentLength ?? 0;
  }

  async read(key: string, range?: ByteRange): Promise<Uint8Array> {
    return this.withRetries(key, async (abortSignal) => {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.location.bucket,
          Key: this.keyOf(key),
          Range: range ? `bytes=${range.start}-${range.end - 1}` : undefined,
        }),
        { abortSignal },
      );
      const bytes = await response.Body!.transformToByteArray();
      const objectSize = Number(/\/(\d+)$/.exec(response.ContentRange ?? "")?.[1] ?? NaN);
      if (range && objectSize < range.end) {
        throw new CorruptArchiveError(
          this.urlOf(key),
          `is truncated: wanted bytes ${range.start}-${range.end - 1} but the object has ${objectSize} bytes`,
        );
      }
      const expected = range ? range.end - range.start : response.ContentLength;
      if (expected !== undefined && bytes.length !== expected) {
        throw new TransientStoreError(this.urlOf(key), `body has ${bytes.length} bytes, expected ${expected}`);
      }
      if (range && response.ContentRange && !response.ContentRange.startsWith(`bytes ${range.start}-${range.end - 1}/`)) {
        throw new TransientStoreError(
          this.urlOf(key),
          `asked for bytes ${range.start}-${range.end - 1}, got Content-Range ${response.ContentRange}`,
        );
      }
      return bytes;
    });
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.listObjects(prefix)).map((object) => object.key);
  }

  async listObjects(prefix: string): Promise<ObjectInfo[]> {
    const fullPrefix = this.keyOf(prefix) + (prefix.endsWith("/") ? "/" : "");
    const rootLength = this.location.prefix ? this.location.prefix.length + 1 : 0;
    const objects: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.withRetries(prefix, (abortSignal) =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: fullPrefix, ContinuationToken: token }),
          { abortSignal },
        ),
      );
      for (const object of page.Contents ?? []) {
        // An object of unknown age counts as new: orphan cleanup must never take it for an old one.
        const lastModified = object.LastModified?.getTime() ?? Date.now();
        objects.push({ key: object.Key!.slice(rootLength), size: object.Size ?? 0, lastModified });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async create(key: string, bytes: Uint8Array): Promise<void> {
    // S3 (and R2, MinIO) refuse the put with 412 when the key exists; servers that ignore
    // If-None-Match still get the existence check first.
    if (await this.exists(key)) throw new CommitConflictError(this.urlOf(key), "already exists: another writer committed first");
    await this.withRetries(key, (abortSignal) =>
      this.client.send(
        new PutObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(key), Body: bytes, IfNoneMatch: "*" }),
        { abortSignal },
      ),
    );
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.withRetries(key, (abortSignal) =>
      this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(key), Body: bytes }), {
        abortSignal,
      }),
    );
  }

  async delete(key: string): Promise<void> {
    await this.withRetries(key, (abortSignal) =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(key) }), { abortSignal }),
    );
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.size(key);
      return true;
    } catch (error) {
      if (error instanceof ArchiveNotFoundError) return false;
      throw error;
    }
  }

  /**
   * Runs `request` until it succeeds or fails permanently. Each attempt, body included, gets a
   * deadline: a stalled socket is abandoned and retried instead of hanging the rebuild.
   */
  private async withRetries<T>(key: string, request: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const abort = new AbortController();
      const deadline = setTimeout(
        () => abort.abort(new TransientStoreError(this.urlOf(key), `no complete answer within ${this.requestTimeoutMs} ms`)),
        this.requestTimeoutMs,
      );
      try {
        return await request(abort.signal);
      } catch (error) {
        const classified = this.classify(key, error);
        if (!(classified instanceof TransientStoreError)) throw classified;
        lastError = classified;
        if (attempt < this.maxAttempts) await sleep(backoffMs(this.initialBackoffMs, attempt));
      } finally {
        clearTimeout(deadline);
      }
    }
    const last = lastError as TransientStoreError;
    throw new TransientStoreError(last.file, `${last.problem} (gave up after ${this.maxAttempts} attempts)`, {
      cause: lastError,
    });
  }

  private classify(key: string, error: unknown): Error {
    if (error instanceof ArchiveError) return error;
    const url = this.urlOf(key);
    if (error instanceof S3ServiceException) {
      const status = error.$metadata.httpStatusCode ?? 0;
      // Before the 404 test: a missing bucket is a 404 too, and the bucket is what to fix then.
      if (error.name === "NoSuchBucket") return new ArchiveNotFoundError(url, "no such bucket");
      if (status === 404 || error.name === "NoSuchKey" || error.name === "NotFound") {
        return new ArchiveNotFoundError(url, "no such object");
      }
      if (status === 412) return new CommitConflictError(url, "already exists: another writer committed first");
      if (status === 416) return new CorruptArchiveError(url, "is shorter than the metadata says (range not satisfiable): truncated?");
      if (status >= 500 || status === 429 || error.name === "SlowDown") {
        return new TransientStoreError(url, `S3 answered ${status} ${error.name}`);
      }
      return new ArchiveError(url, `S3 answered ${status} ${error.name}: ${error.message}`);
    }
    // Socket resets, timeouts, DNS hiccups and bodies cut short arrive as plain errors.
    return new TransientStoreError(url, `request failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
}

function backoffMs(initialMs: number, attempt: number): number {
  const exponential = initialMs * 2 ** (attempt - 1);
  return exponential / 2 + Math.random() * (exponential / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
