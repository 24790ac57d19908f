// Node's tls as the real peer: mutual TLS between two components' material from the same CA.
import test from 'ava';
import { ALGORITHMS, makeMaterial, nodeClient, nodeServerOnce } from './fixtures.js';

for (const { label, spec } of ALGORITHMS) {
  const material = makeMaterial(spec);
  const other = makeMaterial(spec, { intermediate: false });

  const serverFor = async (m: Awaited<typeof material>) =>
    nodeServerOnce({ key: m.server.keyPem, cert: m.server.chainPem, ca: m.ca.trustBundlePem, requestCert: true, rejectUnauthorized: true });

  test(`${label}: mutual TLS handshake between a server and a client component`, async (t) => {
    const m = await material;
    const server = await serverFor(m);
    const client = await nodeClient({ host: '127.0.0.1', port: server.port, servername: 'hono-service-auth', ca: m.ca.trustBundlePem, key: m.client.keyPem, cert: m.client.chainPem });
    t.true(client.ok, client.error);
    t.is(client.peer, 'auth-server');
    const s = await server.result;
    t.true(s.ok, s.error);
    t.is(s.peer, 'http-adapter');
  });

  test(`${label}: the handshake fails when the client trusts a different CA`, async (t) => {
    const m = await material;
    const server = await serverFor(m);
    const client = await nodeClient({ host: '127.0.0.1', port: server.port, servername: 'hono-service-auth', ca: (await other).ca.trustBundlePem, key: m.client.keyPem, cert: m.client.chainPem });
    t.false(client.ok);
    t.regex(client.error ?? '', /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED|unable to/i);
  });

  test(`${label}: the handshake fails when the hostname is not in the SANs`, async (t) => {
    const m = await material;
    const server = await serverFor(m);
    const client = await nodeClient({ host: '127.0.0.1', port: server.port, servername: 'hono-service-device-registry', ca: m.ca.trustBundlePem, key: m.client.keyPem, cert: m.client.chainPem });
    t.false(client.ok);
    t.regex(client.error ?? '', /ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  test(`${label}: the server refuses a client certificate from a different CA`, async (t) => {
    const m = await material;
    const o = await other;
    const server = await serverFor(m);
    const client = await nodeClient({ host: '127.0.0.1', port: server.port, servername: 'hono-service-auth', ca: m.ca.trustBundlePem, key: o.client.keyPem, cert: o.client.chainPem });
    t.false(client.ok);
    const s = await server.result;
    t.false(s.ok);
  });
}
