// The Iceberg REST catalog protocol, the reading half: GET /v1/config (with `warehouse`) gives the
// `prefix`, the namespace separator and the endpoints the catalog serves; then load table, load
// credentials, and the paginated namespace and table lists under /v1/{prefix}/.
import { CorruptArchiveError } from "../errors.ts";
import { catalogAuth } from "./catalog-auth.ts";
import { CatalogHttp } from "./catalog-http.ts";
import { VENDED_CREDENTIALS, type RestCatalogSettings } from "./catalog-settings.ts";

export interface StorageCredential {
  /** The storage location the credential is for (`s3://bucket/warehouse/ns/table`). */
  prefix: string;
  config: Record<string, string>;
}

export interface LoadTableResult {
  "metadata-location": string;
  metadata: unknown;
  config?: Record<string, string>;
  "storage-credentials"?: StorageCredential[];
}

export interface TableIdentifier {
  namespace: string[];
  name: string;
}

interface CatalogConfig {
  defaults?: Record<string, string>;
  overrides?: Record<string, string>;
  endpoints?: string[];
}

/** The spec's default: the unit separator 0x1F, URL-encoded. */
const DEFAULT_NAMESPACE_SEPARATOR = "%1F";
const CREDENTIALS_ENDPOINT = "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}/credentials";
const TABLE_CHECK = "check the namespace and table after # in the archive location, and ICEBERG_REST_WAREHOUSE";

export class RestCatalogClient {
  private constructor(
    readonly uri: string,
    private readonly http: CatalogHttp,
    /** Catalog properties: the config's defaults, then its overrides. */
    readonly properties: Record<string, string>,
    private readonly endpoints: Set<string> | undefined,
  ) {}

  static async connect(uri: string, settings: RestCatalogSettings): Promise<RestCatalogClient> {
    const headers: Record<string, string> = settings.vendedCredentials
      ? { "x-iceberg-access-delegation": VENDED_CREDENTIALS }
      : {};
    const http = new CatalogHttp(uri, catalogAuth(settings.auth, uri), headers);
    const config = (await http.getJson({
      path: "/v1/config",
      query: { warehouse: settings.warehouse },
      notFoundCheck:
        "check the catalog URI before # in the archive location (the base the /v1 paths hang off) and ICEBERG_REST_WAREHOUSE (the warehouse the catalog knows)",
    })) as CatalogConfig;
    const properties = { ...config.defaults, ...config.overrides };
    return new RestCatalogClient(uri, http, properties, config.endpoints ? new Set(config.endpoints) : undefined);
  }

  /** `/v1/{prefix}`, the root of every catalog route. */
  private get root(): string {
    const prefix = this.properties.prefix?.replace(/^\/+|\/+$/g, "");
    return prefix ? `/v1/${prefix}` : "/v1";
  }

  private get namespaceSeparator(): string {
    return this.properties["namespace-separator"] || DEFAULT_NAMESPACE_SEPARATOR;
  }

  /** A namespace in a path: each level encoded, joined by the separator (already URL-encoded). */
  private namespacePath(namespace: string[]): string {
    return namespace.map(encodeURIComponent).join(this.namespaceSeparator);
  }

  tablePath(namespace: string[], table: string): string {
    return `${this.root}/namespaces/${this.namespacePath(namespace)}/tables/${encodeURIComponent(table)}`;
  }

  async loadTable(namespace: string[], table: string): Promise<LoadTableResult> {
    const path = this.tablePath(namespace, table);
    const answer = (await this.http.getJson({ path, notFoundCheck: TABLE_CHECK })) as LoadTableResult;
    if (
      answer === null ||
      typeof answer !== "object" ||
      answer.metadata === undefined ||
      !answer["metadata-location"]
    ) {
      throw new CorruptArchiveError(
        this.uri,
        `GET ${path} answered without table metadata and its metadata-location: check that the URI is an Iceberg REST catalog`,
      );
    }
    return answer;
  }

  /** Whether the catalog lists the spec's credentials endpoint in its config (without `endpoints`, it serves only the defaults). */
  get servesCredentials(): boolean {
    return this.endpoints?.has(CREDENTIALS_ENDPOINT) ?? false;
  }

  /** Fresh storage credentials for a table, from the credentials endpoint. */
  async loadCredentials(namespace: string[], table: string): Promise<StorageCredential[]> {
    const path = `${this.tablePath(namespace, table)}/credentials`;
    const answer = (await this.http.getJson({ path, notFoundCheck: TABLE_CHECK })) as {
      "storage-credentials"?: StorageCredential[];
    };
    return answer["storage-credentials"] ?? [];
  }

  /** Namespaces directly under `parent` (the top level when empty), every page of them. */
  async listNamespaces(parent: string[] = []): Promise<string[][]> {
    const parentQuery = parent.length > 0 ? parent.join(decodeURIComponent(this.namespaceSeparator)) : undefined;
    return this.allPages<string[]>(
      `${this.root}/namespaces`,
      "namespaces",
      { parent: parentQuery },
      "check the namespace after #",
    );
  }

  /** Tables in `namespace`, every page of them. */
  async listTables(namespace: string[]): Promise<TableIdentifier[]> {
    return this.allPages<TableIdentifier>(
      `${this.root}/namespaces/${this.namespacePath(namespace)}/tables`,
      "identifiers",
      {},
      "check the namespace after #",
    );
  }

  /**
   * A list endpoint's items across its pages. An empty `pageToken` asks a paginating catalog to
   * start paging (without one it may answer everything at once); `next-page-token` leads to the
   * next page until it is null or absent.
   */
  private async allPages<T>(
    path: string,
    field: string,
    query: Record<string, string | undefined>,
    notFoundCheck: string,
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let pageToken = "";
    for (;;) {
      const page = (await this.http.getJson({ path, query: { ...query, pageToken }, notFoundCheck })) as Record<
        string,
        unknown
      >;
      items.push(...((page[field] as T[] | undefined) ?? []));
      const next = page["next-page-token"];
      if (typeof next !== "string" || next === "") return items;
      if (seen.has(next)) {
        throw new CorruptArchiveError(
          this.uri,
          `GET ${path} handed out page token "${next}" twice: the catalog's pagination loops`,
        );
      }
      seen.add(next);
      pageToken = next;
    }
  }
}
