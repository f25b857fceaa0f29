// AWS SigV4-signed catalog requests (S3 Tables' Iceberg REST endpoint signs as `s3tables`, Glue's as
// `glue`), signed by the AWS SDK's own signer with the credentials of the environment or the SDK's
// default chain, the same identity the S3 client uses.
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { ArchiveError } from "../errors.ts";
import type { CatalogAuth, CatalogRequest } from "./catalog-auth.ts";
import type { CatalogAuthSettings } from "./catalog-settings.ts";

type SigV4Settings = Extract<CatalogAuthSettings, { kind: "sigv4" }>;

export class SigV4RequestSigning implements CatalogAuth {
  readonly whatToCheck: string;
  private readonly signer: SignatureV4;

  constructor(
    settings: SigV4Settings,
    private readonly catalogUri: string,
  ) {
    this.signer = new SignatureV4({
      service: settings.signingName,
      region: settings.region,
      credentials: settings.credentials ?? defaultProvider(),
      sha256: Sha256,
    });
    this.whatToCheck =
      `check the AWS credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, else the SDK's default chain), ` +
      `the signing region "${settings.region}" (ICEBERG_REST_SIGNING_REGION, else AWS_REGION) and signing name "${settings.signingName}" (ICEBERG_REST_SIGV4), ` +
      `that the machine's clock is right, and that the IAM policy allows reading this table`;
  }

  async authorize(request: CatalogRequest): Promise<Record<string, string>> {
    const { url } = request;
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = value;
    let signed;
    try {
      signed = await this.signer.sign({
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query,
        // fetch sends Host itself; it is signed here with the value fetch will send.
        headers: { ...request.headers, host: url.host },
        body: request.body,
      });
    } catch (error) {
      throw new ArchiveError(
        this.catalogUri,
        `cannot sign ${request.method} ${url.pathname} with SigV4 (${(error as Error).message}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)`,
        { cause: error },
      );
    }
    delete signed.headers.host;
    return signed.headers;
  }

  async renewAfterRefusal(): Promise<boolean> {
    return false;
  }
}
