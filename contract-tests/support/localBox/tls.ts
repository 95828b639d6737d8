/** HTTPS for the local Box server: a throwaway self-signed certificate for the loopback names. */

/** TLS for `start()`: a throwaway certificate, or a key and certificate (PEM) of your own. */
export type LocalTls = true | { key: string; cert: string };

/** A self-signed certificate for 127.0.0.1, ::1 and localhost, valid from an hour ago for a day. */
export async function throwawayCertificate(): Promise<{ key: string; cert: string }> {
  // Loaded here, not at the top: it is slow to load and sets global Reflect metadata.
  const { generate } = await import("selfsigned");
  const now = Date.now();
  // A name of its own, so that two of these can be trusted at once (issuers are found by name).
  const pems = await generate([{ name: "commonName", value: `local Box server ${Math.random().toString(36).slice(2, 10)}` }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate: new Date(now - 3_600_000),
    notAfterDate: new Date(now + 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }, { type: 7, ip: "::1" }, { type: 2, value: "localhost" }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
