// s3rver ships no types; this covers what the loopback S3 server uses.
declare module "s3rver" {
  import type { IncomingHttpHeaders } from "node:http";
  import type { AddressInfo } from "node:net";

  interface S3rverOptions {
    address?: string;
    port?: number;
    directory: string;
    silent?: boolean;
    allowMismatchedSignatures?: boolean;
    resetOnClose?: boolean;
  }

  interface KoaContext {
    method: string;
    path: string;
    get(header: string): string;
    request: { headers: IncomingHttpHeaders };
    status: number;
    type: string;
    body: string;
  }

  interface FilesystemStore {
    getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
    existsObject(bucket: string, key: string): Promise<boolean>;
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    store: FilesystemStore;
    middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void>>;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
