// One place that points @peculiar/x509 and pkijs at Node's WebCrypto; every PKI module imports this first.
// tsyringe (used inside @peculiar/x509) needs the Reflect metadata polyfill before the library loads.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import * as pkijs from 'pkijs';

export const subtle = webcrypto.subtle;
export type CryptoKey = webcrypto.CryptoKey;
// The libraries type their provider with the DOM's Crypto; Node's webcrypto is that API.
const nodeCrypto = webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0];

x509.cryptoProvider.set(nodeCrypto);
pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: nodeCrypto }));

export { x509, pkijs };
