// A device talking to a real Hono protocol adapter over TLS (Node `tls`, hostname verified against
// the adapter's Service name, trusting `caPem`): an MQTT 3.1.1 CONNECT answered by a CONNACK, or
// an HTTP POST answered with a status line. Either answer comes from Hono over the verified channel.
import * as tls from 'node:tls';

export interface DeviceResult {
  ok: boolean;
  protocol?: string;
  /** "CONNACK rc=5" or "HTTP 401 Unauthorized". */
  answer?: string;
  error?: string;
}

function exchange(o: { host: string; port: number; serverName: string; caPem: string | Buffer }, request: Buffer, parse: (b: Buffer) => string | undefined): Promise<DeviceResult> {
  return new Promise((resolve) => {
    let protocol: string | undefined;
    let got = Buffer.alloc(0);
    let done = false;
    const finish = (r: DeviceResult) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(r);
    };
    const socket = tls.connect({ host: o.host, port: o.port, servername: o.serverName, ca: o.caPem, checkServerIdentity: (_h, cert) => tls.checkServerIdentity(o.serverName, cert) }, () => {
      protocol = socket.getProtocol() ?? undefined;
      socket.write(request);
    });
    socket.setTimeout(30_000, () => finish({ ok: false, protocol, error: 'no answer within 30 s' }));
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const answer = parse(got);
      if (answer) finish({ ok: true, protocol, answer });
    });
    socket.on('error', (e) => finish({ ok: false, protocol, error: e.message }));
    socket.on('close', () => finish({ ok: false, protocol, error: protocol ? 'closed without an answer' : 'closed during the handshake' }));
  });
}

/** MQTT 3.1.1 CONNECT (clean session, no credentials); any CONNACK is Hono's answer. */
export function mqttConnect(o: { host: string; port: number; serverName: string; caPem: string | Buffer }): Promise<DeviceResult> {
  const clientId = Buffer.from('real-hono-e2e');
  const variable = Buffer.from([0x00, 0x04, ...Buffer.from('MQTT'), 0x04, 0x02, 0x00, 0x3c]);
  const payload = Buffer.concat([Buffer.from([clientId.length >> 8, clientId.length & 0xff]), clientId]);
  const body = Buffer.concat([variable, payload]);
  const packet = Buffer.concat([Buffer.from([0x10, body.length]), body]);
  return exchange(o, packet, (b) => (b.length >= 4 && b[0] === 0x20 && b[1] === 0x02 ? `CONNACK rc=${b[3]}` : undefined));
}

/** POST /telemetry without credentials; the status line is Hono's answer. */
export function httpPostTelemetry(o: { host: string; port: number; serverName: string; caPem: string | Buffer }): Promise<DeviceResult> {
  const req = `POST /telemetry HTTP/1.1\r\nHost: ${o.serverName}:${o.port}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`;
  return exchange(o, Buffer.from(req), (b) => /^(HTTP\/1\.1 \d{3}[^\r\n]*)\r\n/.exec(b.toString('latin1'))?.[1]);
}
