/**
 * Parsing of the request headers a Box upload host receives. Server-side only (the local Box
 * server and tests use it); the client only writes these headers (src/core).
 */

/** The hex SHA-1 carried by a `Digest: sha=<base64>` header, or undefined when it is not one. */
export function parseDigestHeader(header: string | undefined): string | undefined {
  const m = header && /^sha=([A-Za-z0-9+/]{27}=)$/i.exec(header.trim());
  return m ? Buffer.from(m[1]!, "base64").toString("hex") : undefined;
}

/** Inverse of the client's `contentRange`; undefined for anything malformed. */
export function parseContentRange(header: string): { offset: number; size: number; total: number } | undefined {
  const m = /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16})$/.exec(header.trim());
  if (!m) return undefined;
  const [first, last, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (![first, last, total].every(Number.isSafeInteger) || last < first || last >= total) return undefined;
  return { offset: first, size: last - first + 1, total };
}
