// How a REST catalog table is named in REPROJECT_ARCHIVE and on the command line:
// `http(s)://catalog-uri#namespace.table`, a multi-level namespace dotted (`#analytics.video.events`).
import { ArchiveError } from "../errors.ts";

export interface RestNamespaceReference {
  /** The catalog's base URI, the one `/v1/...` paths hang off, without a trailing slash. */
  uri: string;
  /** Namespace levels; empty for the catalog's top level. */
  namespace: string[];
}

export interface RestTableReference extends RestNamespaceReference {
  table: string;
}

export function isRestTableReference(location: string): boolean {
  return /^https?:\/\//.test(location);
}

/** `http(s)://catalog-uri[#namespace]`: a catalog, or a namespace in it. */
export function parseRestNamespaceReference(location: string): RestNamespaceReference {
  const hash = location.indexOf("#");
  const uri = (hash === -1 ? location : location.slice(0, hash)).replace(/\/+$/, "");
  const name = hash === -1 ? "" : location.slice(hash + 1);
  if (!isRestTableReference(uri)) {
    throw new ArchiveError(
      location,
      "a REST catalog is written http(s)://catalog-uri, a namespace in it http(s)://catalog-uri#namespace",
    );
  }
  return { uri, namespace: name.split(".").filter(Boolean) };
}

export function parseRestTableReference(location: string): RestTableReference {
  const { uri, namespace: parts } = parseRestNamespaceReference(location);
  if (parts.length < 2) {
    throw new ArchiveError(location, "a REST catalog table is written http(s)://catalog-uri#namespace.table");
  }
  return { uri, namespace: parts.slice(0, -1), table: parts.at(-1)! };
}
