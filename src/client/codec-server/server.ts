// The remote codec endpoint the Temporal Web UI calls to show encrypted payloads in clear text:
// POST /decode and /encode with {"payloads":[{metadata,data}]} (base64 fields), CORS for the UI.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import { UndecryptablePayloadError, fromJson, toJson, type AesGcmCodec } from '../../secrets/encryption';

/**
 * Decodes payload by payload: one the keys cannot decrypt (a key dropped while histories that use
 * it are kept) comes back as it is, so the rest of the history stays readable in the Web UI.
 */
async function decodeReadable(params: {
  codec: AesGcmCodec;
  payloads: Payload[];
  warn: (error: UndecryptablePayloadError) => void;
}): Promise<Payload[]> {
  const out: Payload[] = [];
  for (const payload of params.payloads) {
    try {
      out.push(...(await params.codec.decode([payload])));
    } catch (error) {
      if (!(error instanceof UndecryptablePayloadError)) throw error;
      params.warn(error);
      out.push(payload);
    }
  }
  return out;
}

export async function startCodecServer(params: {
  codec: AesGcmCodec;
  port: number;
  host?: string;
  allowOrigin: string;
  /** Where the one warning per undecryptable key id goes; stderr by default. */
  log?: (line: string) => void;
}): Promise<{ url: string; close(): Promise<void> }> {
  const log = params.log ?? ((line: string) => console.error(line));
  const warned = new Set<string>();
  const warn = (error: UndecryptablePayloadError) => {
    if (warned.has(error.keyId)) return;
    warned.add(error.keyId);
    log(`codec server: ${error.message}; such payloads are returned still encrypted`);
  };
  const cors = {
    'Access-Control-Allow-Origin': params.allowOrigin,
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': 'content-type, x-namespace, authorization',
    'Access-Control-Allow-Credentials': 'true',
  };
  const server = http.createServer(async (req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      return res.end();
    }
    const op = req.url?.split('?')[0];
    if (req.method !== 'POST' || (op !== '/decode' && op !== '/encode')) {
      res.writeHead(404, { ...cors, 'Content-Type': 'text/plain' });
      return res.end('POST /decode or /encode\n');
    }
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const { payloads } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { payloads: Parameters<typeof fromJson>[0][] };
      const input = payloads.map(fromJson);
      const output =
        op === '/decode' ? await decodeReadable({ codec: params.codec, payloads: input, warn }) : await params.codec.encode(input);
      res.writeHead(200, { ...cors, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ payloads: output.map(toJson) }));
    } catch (error) {
      res.writeHead(400, { ...cors, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: (error as Error).message }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(params.port, params.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://${params.host ?? '127.0.0.1'}:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
