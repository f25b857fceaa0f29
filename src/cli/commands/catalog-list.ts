// `reproject archive list`: what a REST catalog holds under a namespace, to find the table to point
// REPROJECT_ARCHIVE at and to check the ICEBERG_REST_* settings before a rebuild needs them.
import { stringifyJsonLossless } from "../../archive/json.ts";
import { restCatalogSettingsFromEnv } from "../../archive/rest-catalog/catalog-settings.ts";
import { RestCatalogClient } from "../../archive/rest-catalog/rest-catalog-client.ts";
import { isRestTableReference, parseRestNamespaceReference } from "../../archive/rest-catalog/table-reference.ts";
import { parseCommandArgs, printUsage, requirePositional } from "../args.ts";
import { UsageError } from "../command.ts";

const LIST_USAGE =
  "Usage: reproject archive list <catalog-uri>[#namespace]\n\n" +
  "Lists the namespaces under the namespace (the top level without one) and, with one, its tables, as JSON;\n" +
  "each table as the archive location to use (http(s)://catalog-uri#namespace.table).\n" +
  "Authentication and warehouse come from ICEBERG_REST_* (see the README's Configuration).";

export const archiveList = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseCommandArgs(argv, {}, LIST_USAGE);
  if (values.help) return printUsage(LIST_USAGE);
  const location = requirePositional(positionals, 0, "catalog-uri", LIST_USAGE);
  if (!isRestTableReference(location))
    throw new UsageError(`"${location}" is not an http(s):// REST catalog URI.\n\n${LIST_USAGE}`);
  const { uri, namespace } = parseRestNamespaceReference(location);
  const client = await RestCatalogClient.connect(uri, restCatalogSettingsFromEnv());
  const namespaces = await client.listNamespaces(namespace);
  const tables = namespace.length > 0 ? await client.listTables(namespace) : [];
  process.stdout.write(
    `${stringifyJsonLossless(
      {
        catalog: uri,
        namespace: namespace.length > 0 ? namespace.join(".") : null,
        namespaces: namespaces.map((levels) => levels.join(".")),
        tables: tables.map((table) => `${uri}#${[...table.namespace, table.name].join(".")}`),
      },
      2,
    )}\n`,
  );
  return 0;
};
