// The X.509 version of a PEM certificate, read from its DER: the worker's TLS library (rustls)
// accepts only v3 certificates, while OpenSSL (and so the CLI and `openssl x509 -req` without
// extensions) happily makes and uses v1 ones.

/** The length of the DER element at `offset` and where its content starts. */
function element(der: Buffer, offset: number): { start: number; length: number } | undefined {
  const first = der[offset + 1];
  if (first === undefined) return undefined;
  if (first < 0x80) return { start: offset + 2, length: first };
  const bytes = first & 0x7f;
  if (bytes === 0 || bytes > 4) return undefined;
  let length = 0;
  for (let i = 0; i < bytes; i++) length = length * 256 + (der[offset + 2 + i] ?? 0);
  return { start: offset + 2 + bytes, length };
}

/** 1, 2 or 3 for the first certificate in `pem`; undefined when it is not one. */
export function x509Version(pem: string | Uint8Array): number | undefined {
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('utf8');
  const body = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text)?.[1];
  if (!body) return undefined;
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] EXPLICIT version DEFAULT v1, ... } }
  if (der[0] !== 0x30) return undefined;
  const certificate = element(der, 0);
  if (!certificate || der[certificate.start] !== 0x30) return undefined;
  const tbs = element(der, certificate.start);
  if (!tbs) return undefined;
  if (der[tbs.start] !== 0xa0) return 1;
  // a0 03 02 01 <n>: the version INTEGER, n = version - 1.
  const n = der[tbs.start + 4];
  return der[tbs.start + 2] === 0x02 && n !== undefined ? n + 1 : undefined;
}
