// Plays the Device Registry's AMQP endpoint for a real Hono 1.x adapter's Device Connection client:
// a TCP listener that records what each client sends first. A TLS ClientHello is answered by Node
// `tls` with the device-registry component's own key and certificate (as the registry would serve
// them), and the handshake's outcome and the first bytes inside TLS are recorded; plain bytes
// ("AMQP" + protocol id) are recorded as they come. No AMQP is spoken back: the connection is
// closed once the first bytes are seen, which is all the channel's security needs to show.
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';

export type EndpointSeen =
  | { kind: 'plain'; header: string }
  | { kind: 'tls'; handshake: 'ok'; protocol: string; servername?: string; inner: string }
  | { kind: 'tls'; handshake: 'failed'; servername?: string; error: string };

export interface RegistryEndpoint {
  address: string;
  port: number;
  seen: EndpointSeen[];
  close(): Promise<void>;
}

/** "AMQP" and the protocol id bytes (0 = AMQP, 2 = TLS, 3 = SASL), or hex when it is not AMQP. */
const describeHeader = (b: Buffer) =>
  b.subarray(0, 4).toString('latin1') === 'AMQP' ? `AMQP ${[...b.subarray(4, 8)].join('.')}` : `bytes ${b.subarray(0, 8).toString('hex')}`;

export async function startRegistryEndpoint(o: { address: string; port: number; keyPem: Buffer; certPem: Buffer }): Promise<RegistryEndpoint> {
  const seen: EndpointSeen[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('readable', () => {
      const first: Buffer | null = socket.read();
      if (!first) return;
      if (first[0] !== 0x16) {
        // not a TLS handshake record
        seen.push({ kind: 'plain', header: describeHeader(first) });
        socket.destroy();
        return;
      }
      // The bytes already read go first; a JS stream (not the socket's handle) makes TLS read them.
      const relay = new Duplex({
        read: () => socket.resume(),
        write: (chunk, _enc, cb) => socket.write(chunk, cb),
        final: (cb) => socket.end(cb),
        destroy: (err, cb) => {
          socket.destroy();
          cb(err);
        },
      });
      relay.push(first);
      socket.on('data', (d: Buffer) => {
        if (!relay.push(d)) socket.pause();
      });
      socket.once('end', () => relay.push(null));
      socket.once('close', () => relay.destroy());
      let settled = false;
      const secure = new tls.TLSSocket(relay, { isServer: true, key: o.keyPem, cert: o.certPem });
      const name = () => (typeof secure.servername === 'string' ? secure.servername : undefined);
      const fail = (error: string) => {
        if (settled) return;
        settled = true;
        seen.push({ kind: 'tls', handshake: 'failed', servername: name(), error });
        secure.destroy();
      };
      secure.once('error', (e: Error) => fail(e.message));
      let handshakeDone = false;
      secure.once('close', () => fail(handshakeDone ? 'the client closed after the handshake, before sending anything' : 'the client closed during the handshake'));
      secure.once('secure', () => {
        handshakeDone = true;
        secure.once('data', (inner: Buffer) => {
          if (settled) return;
          settled = true;
          seen.push({ kind: 'tls', handshake: 'ok', protocol: secure.getProtocol() ?? '?', servername: name(), inner: describeHeader(inner) });
          secure.destroy();
        });
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.address, () => resolve());
  });
  return {
    address: o.address,
    port: o.port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
