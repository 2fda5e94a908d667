// One plain TCP or TLS handshake plus the HTTP/2 preface, to see where a failed connection breaks:
// grpc-js reports every TLS failure as a deadline, so the server is asked directly.
import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { splitAddress, tlsConfig, type TemporalConnectionSettings } from './settings';

export type Probe =
  | { kind: 'ok' }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'untrusted'; reason: string; issuer?: string }
  | { kind: 'expired'; reason: string }
  | { kind: 'name-mismatch'; name: string; names: string }
  | { kind: 'not-tls' }
  | { kind: 'needs-tls' }
  | { kind: 'client-cert-required' }
  | { kind: 'client-cert-rejected'; reason: string };

// The HTTP/2 connection preface and an empty SETTINGS frame: an HTTP/2 server answers with its SETTINGS.
const HTTP2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
const PROBE_TIMEOUT_MS = 5_000;
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET']);

function issuerOf(cert: PeerCertificate | undefined): string | undefined {
  const issuer = cert?.issuer as Record<string, string | string[]> | undefined;
  if (!issuer) return undefined;
  return (
    Object.entries(issuer)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
      .join(', ') || undefined
  );
}

/** Where the connection to the settings' server breaks, or ok when it does not. */
export function probeServer(settings: TemporalConnectionSettings): Promise<Probe> {
  const { host, port } = splitAddress(settings.address);
  const tls = tlsConfig(settings);
  return new Promise<Probe>((resolve) => {
    let answered = false;
    let handshook = false;
    let socket: Socket | TLSSocket;
    const done = (probe: Probe) => {
      if (!answered) {
        answered = true;
        socket.destroy();
        resolve(probe);
      }
    };
    // The handshake passed, then the server hung up: it did not accept this client.
    const refusedClient = (reason: string): Probe =>
      tls?.clientCertPair ? { kind: 'client-cert-rejected', reason } : { kind: 'client-cert-required' };
    const sendPreface = () => {
      handshook = true;
      socket.write(HTTP2_PREFACE);
    };
    if (tls) {
      const name = tls.serverNameOverride ?? host;
      const tlsSocket = tlsConnect({
        host,
        port,
        servername: isIP(name) ? undefined : name,
        ALPNProtocols: ['h2'],
        rejectUnauthorized: false, // checked below, so that the message can say what is wrong
        ca: tls.serverRootCACertificate ? Buffer.from(tls.serverRootCACertificate) : undefined,
        cert: tls.clientCertPair ? Buffer.from(tls.clientCertPair.crt) : undefined,
        key: tls.clientCertPair ? Buffer.from(tls.clientCertPair.key) : undefined,
      });
      socket = tlsSocket;
      tlsSocket.once('secureConnect', () => {
        const cert = tlsSocket.getPeerCertificate();
        const reason = tlsSocket.authorizationError ? String(tlsSocket.authorizationError) : undefined;
        // Node checks the name only once the chain is trusted (and reports ERR_TLS_CERT_ALTNAME_INVALID).
        if (reason === 'ERR_TLS_CERT_ALTNAME_INVALID' || (!reason && checkServerIdentity(name, cert))) {
          return done({ kind: 'name-mismatch', name, names: cert.subjectaltname || `CN=${cert.subject?.CN}` });
        }
        if (reason && /EXPIRED|NOT_YET_VALID/.test(reason)) return done({ kind: 'expired', reason });
        if (reason || !tlsSocket.authorized) return done({ kind: 'untrusted', reason: reason ?? 'not authorized', issuer: issuerOf(cert) });
        sendPreface();
      });
    } else {
      socket = tcpConnect({ host, port }, sendPreface);
    }
    socket.setTimeout(PROBE_TIMEOUT_MS, () =>
      done(handshook ? { kind: 'ok' } : { kind: 'unreachable', reason: `no answer within ${PROBE_TIMEOUT_MS / 1000}s` }),
    );
    socket.on('data', (chunk: Buffer) => {
      // A TLS record (handshake 0x16 or alert 0x15) in answer to plaintext: the server wants TLS.
      done(!tls && (chunk[0] === 0x15 || chunk[0] === 0x16) ? { kind: 'needs-tls' } : { kind: 'ok' });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? '';
      if (UNREACHABLE_CODES.has(code) && !handshook) return done({ kind: 'unreachable', reason: code });
      if (
        /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|UNKNOWN_PROTOCOL|RECORD_LAYER_FAILURE/.test(code) ||
        /wrong version number|packet length too long/.test(error.message)
      ) {
        return done({ kind: 'not-tls' });
      }
      if (/CERTIFICATE_REQUIRED/.test(code)) return done({ kind: 'client-cert-required' });
      if (tls && (handshook || /ALERT/.test(code))) return done(refusedClient(code || error.message));
      done(handshook ? { kind: 'needs-tls' } : { kind: 'unreachable', reason: code || error.message });
    });
    socket.on('close', () => {
      if (!handshook) return done({ kind: 'unreachable', reason: 'connection closed' });
      // The preface went unanswered: a plaintext connection to a TLS port, or a client the TLS server did not accept.
      done(tls ? refusedClient('the server closed the connection after the handshake') : { kind: 'needs-tls' });
    });
  });
}
