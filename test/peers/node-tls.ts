// A real TLS handshake between a Node `tls` server and client on loopback, with hostname
// verification against `servername` (also sent as SNI). Used for PEM material.
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';

export interface TlsServerMaterial {
  keyPem: string | Buffer;
  /** Leaf plus intermediates. */
  certPem: string | Buffer;
  /** When set, the server requires a client certificate that chains to these CAs. */
  clientCaPem?: string | Buffer;
}

export interface TlsClientMaterial {
  caPem: string | Buffer;
  keyPem?: string | Buffer;
  certPem?: string | Buffer;
}

export interface HandshakeResult {
  ok: boolean;
  /** The client verified the server's chain and hostname. */
  peerVerified: boolean;
  /** The server verified the client's certificate (only when one was required). */
  clientVerified?: boolean;
  protocol?: string;
  cipher?: string;
  error?: string;
}

export interface ServerSession {
  /** The client certificate verified (false when none was required). */
  clientAuthorized: boolean;
  protocol?: string;
  cipher?: string;
}

/**
 * A TLS server on a free loopback port. Each handshake is answered with "OK <peer CN|->" (the line
 * TlsPeer.java's client waits for: under TLS 1.3 a rejected client certificate shows up only there).
 */
export async function nodeTlsServer(server: TlsServerMaterial): Promise<{ port: number; session: Promise<ServerSession>; close(): Promise<void> }> {
  let resolveSession!: (v: ServerSession) => void;
  const session = new Promise<ServerSession>((r) => (resolveSession = r));
  const srv = tls.createServer(
    {
      key: server.keyPem,
      cert: server.certPem,
      ca: server.clientCaPem,
      requestCert: server.clientCaPem !== undefined,
      rejectUnauthorized: server.clientCaPem !== undefined,
      minVersion: 'TLSv1.2',
    },
    (socket) => {
      const cipher = socket.getCipher();
      resolveSession({ clientAuthorized: socket.authorized, protocol: socket.getProtocol() ?? undefined, cipher: cipher?.standardName ?? cipher?.name });
      const cn = server.clientCaPem ? String(socket.getPeerCertificate()?.subject?.CN ?? '-') : '-';
      socket.end(`OK ${cn}\n`);
    },
  );
  srv.on('tlsClientError', () => resolveSession({ clientAuthorized: false }));
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (srv.address() as AddressInfo).port,
    session,
    close: () => new Promise<void>((r) => srv.close(() => r())),
  };
}

/** Connects a Node client with `client` to a Node server with `server`, reports the outcome. */
export async function nodeHandshake(server: TlsServerMaterial, client: TlsClientMaterial, servername: string, timeoutMs = 10_000): Promise<HandshakeResult> {
  const srv = await nodeTlsServer(server);
  try {
    const result = await new Promise<HandshakeResult>((resolve) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: srv.port,
        servername,
        ca: client.caPem,
        key: client.keyPem,
        cert: client.certPem,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        // tls.connect verifies against `servername`; say so explicitly, it is the point of the proof.
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(servername, cert),
      });
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ ok: false, peerVerified: false, error: `no handshake within ${timeoutMs} ms` });
      }, timeoutMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        const cipher = socket.getCipher();
        resolve({ ok: socket.authorized, peerVerified: socket.authorized, protocol: socket.getProtocol() ?? undefined, cipher: cipher?.standardName ?? cipher?.name });
        socket.end();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        resolve({ ok: false, peerVerified: false, error: err.message });
      });
    });
    if (result.ok && server.clientCaPem !== undefined) {
      result.clientVerified = await Promise.race([srv.session.then((x) => x.clientAuthorized), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs))]);
      result.ok = result.clientVerified;
      if (!result.clientVerified) result.error = 'the server did not verify the client certificate';
    }
    return result;
  } finally {
    await srv.close();
  }
}
