/** The deployment's event archive: REPROJECT_ARCHIVE (a directory, s3://bucket/prefix or a REST catalog table). */
export function archiveLocation(): string {
  const location = process.env.REPROJECT_ARCHIVE;
  if (!location)
    throw new Error(
      "REPROJECT_ARCHIVE is not set: point it at the event archive (a directory, s3://bucket/prefix or a REST catalog table) with `npx convex env set REPROJECT_ARCHIVE …`",
    );
  return location;
}
