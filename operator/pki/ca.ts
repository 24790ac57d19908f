// The CA lifecycle in one place (after Strimzi's Ca class): create or load a CA, validate it, issue leaves,
// serialise it to its own Secret. Time comes from the injected Clock only.
//
// Renewal is a full key replacement, never a same-key re-signing: a new CA (new keys, new root) is
// created and carried into use by the phases in operator/lifecycle (trust both, re-issue leaves in
// dependency order, drop the old). toSecretData(prefix) lets the CA Secret hold the next CA beside the
// current one during the first phase; afterwards only the old certificate stays (for trust), never its key.
import { X509Certificate as NodeX509Certificate, type X509Certificate } from 'node:crypto';
import type { Clock } from '../runtime/clock.js';
import { x509, type CryptoKey } from './crypto.js';
import { PkiError } from './errors.js';
import { fingerprint } from './inspect.js';
import { assertSupportedKeySpec, generateKey, parsePrivateKey, toSigningKey, type ParsedKey } from './keys.js';
import { validatePath } from './path-validation.js';
import { subjectName, validateDnsNames, validateIpAddresses } from './names.js';
import { isSelfSigned, parseCertificates, pemBundle, toPem } from './pem.js';
import { NOT_BEFORE_BACKDATE_MS, signCertificate } from './sign.js';
import type { DistinguishedName, IssuedLeaf, LeafRequest, PrivateKeySpec } from './types.js';

export interface SelfSignedCaOptions {
  commonName: string;
  /** true: a root signs an intermediate that issues leaves (like Hono's demo certificates); false: one root. */
  intermediate: boolean;
  durationMs: number;
  privateKey: PrivateKeySpec;
  subject?: Omit<DistinguishedName, 'commonName'>;
}

export interface CaPem {
  /** The signing CA certificate (further certificates after it are treated as chain). */
  certPem: string;
  keyPem: string;
  /** Certificates above the signing certificate, up to and including the self-signed root. */
  chainPem?: string;
  /** Root key, kept for an operator-made intermediate so it can be re-issued. */
  rootKeyPem?: string;
}

/** Secret keys of a CA Secret; the same layout a brought-in CA Secret uses (see IssuerSpec.ca). */
export const CA_SECRET_KEYS = { cert: 'tls.crt', key: 'tls.key', chain: 'ca.crt', rootKey: 'root.key' } as const;

const MAX_CHAIN = 8;

/** The key of the self-test leaf: generated once per process, never stored. */
const TEST_KEY_SPEC: PrivateKeySpec = { algorithm: 'ECDSA', size: 256 };
let testKeyPem: Promise<string> | undefined;

interface Signer {
  cert: X509Certificate;
  name: x509.Name;
  keyId: string;
  key: ParsedKey;
  cryptoKey: CryptoKey;
}

export class CertificateAuthority {
  /** Intermediates that go into every leaf chain: the signer and the certificates above it, minus the root. */
  private readonly chainTailPem: string;

  private constructor(
    private readonly signer: Signer,
    /** Certificates above the signer, ending with the self-signed root; empty when the signer is the root. */
    private readonly above: X509Certificate[],
    private readonly rootKeyPem: string | undefined,
    private readonly clock: Clock,
  ) {
    this.chainTailPem = [signer.cert, ...above].filter((c) => !isSelfSigned(c)).map(toPem).join('');
  }

  static async createSelfSigned(opts: SelfSignedCaOptions, clock: Clock): Promise<CertificateAuthority> {
    assertSupportedKeySpec(opts.privateKey, 'privateKey');
    assertDuration(opts.durationMs, 'durationMs');
    const now = clock.now();
    const notBefore = new Date(now.getTime() - NOT_BEFORE_BACKDATE_MS);
    const notAfter = new Date(now.getTime() + opts.durationMs);
    const [rootKeyPem, interKeyPem] = await Promise.all([
      generateKey(opts.privateKey),
      opts.intermediate ? generateKey(opts.privateKey) : undefined,
    ]);
    const rootKey = parsePrivateKey(rootKeyPem, 'root key');
    const rootCn = opts.intermediate ? `${opts.commonName} Root` : opts.commonName;
    const root = await signCertificate({
      subject: subjectName({ ...opts.subject, commonName: rootCn }, 'commonName'),
      spkiDer: rootKey.spkiDer,
      signingKey: await toSigningKey(rootKey),
      signingKeySpec: rootKey.spec,
      notBefore,
      notAfter,
      extensions: caExtensions(opts.intermediate ? 1 : 0),
    });
    if (!interKeyPem) {
      return CertificateAuthority.fromPem({ certPem: root.toString('pem'), keyPem: rootKeyPem }, clock);
    }
    const interKey = parsePrivateKey(interKeyPem, 'intermediate key');
    const intermediate = await signCertificate({
      subject: subjectName({ ...opts.subject, commonName: opts.commonName }, 'commonName'),
      issuerName: root.subjectName,
      issuerKeyId: root.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId,
      spkiDer: interKey.spkiDer,
      signingKey: await toSigningKey(rootKey),
      signingKeySpec: rootKey.spec,
      notBefore,
      notAfter,
      extensions: caExtensions(0),
    });
    return CertificateAuthority.fromPem(
      { certPem: intermediate.toString('pem'), keyPem: interKeyPem, chainPem: root.toString('pem'), rootKeyPem },
      clock,
    );
  }

  /**
   * Loads a CA from PEM and validates it before use: CA:true and keyCertSign, inside its validity period,
   * key matches certificate, chain complete up to a self-signed root.
   */
  static async fromPem(pem: CaPem, clock: Clock): Promise<CertificateAuthority> {
    const F = CA_SECRET_KEYS;
    const now = clock.now();
    const certs = parseCertificates(pem.certPem, F.cert);
    const signing = certs[0]!;
    const pool = [...certs.slice(1), ...(pem.chainPem?.trim() ? parseCertificates(pem.chainPem, F.chain) : [])];
    const key = parsePrivateKey(pem.keyPem, F.key);
    assertCa(signing, F.cert);
    assertWithinValidity(signing, now, F.cert);
    assertKeyMatches(key, signing, F.key, F.cert);

    const above: X509Certificate[] = [];
    let current = signing;
    while (!isSelfSigned(current)) {
      if (above.length >= MAX_CHAIN) {
        throw new PkiError('INCOMPLETE_CHAIN', `no self-signed root within ${MAX_CHAIN} certificates; check ${F.chain}`, F.chain);
      }
      const issuer = pool.find((c) => current.checkIssued(c) && current.verify(c.publicKey));
      if (!issuer) {
        throw new PkiError(
          'INCOMPLETE_CHAIN',
          `the issuer "${dn(current.issuer)}" of "${dn(current.subject)}" is missing; put every certificate above the CA, up to its self-signed root, into ${F.chain}`,
          F.chain,
        );
      }
      assertCa(issuer, F.chain);
      assertWithinValidity(issuer, now, F.chain);
      above.push(issuer);
      current = issuer;
    }
    if (pem.rootKeyPem) {
      assertKeyMatches(parsePrivateKey(pem.rootKeyPem, F.rootKey), current, F.rootKey, 'root certificate');
    }
    const cert = new x509.X509Certificate(signing.raw);
    const keyId =
      cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ??
      (await x509.SubjectKeyIdentifierExtension.create(key.spkiDer)).keyId;
    const signer: Signer = { cert: signing, name: cert.subjectName, keyId, key, cryptoKey: await toSigningKey(key) };
    const ca = new CertificateAuthority(signer, above, pem.rootKeyPem, clock);
    await ca.selfTest();
    return ca;
  }

  /**
   * Issues a throwaway leaf and validates it against the chain as a verifier would (pathLen, key
   * usage, EKU, name constraints of the subject): a CA that passes the checks above can still
   * produce leaves every peer refuses. Names in SANs are checked on each real issue.
   */
  private async selfTest(): Promise<void> {
    await this.sign({
      subject: { commonName: 'hono-tls-operator CA check' },
      dnsNames: [],
      ipAddresses: [],
      usage: 'client',
      durationMs: 60_000,
      privateKey: TEST_KEY_SPEC,
      existingKeyPem: await (testKeyPem ??= generateKey(TEST_KEY_SPEC)),
    });
  }

  static fromSecretData(data: Record<string, string>, clock: Clock): Promise<CertificateAuthority> {
    const F = CA_SECRET_KEYS;
    for (const k of [F.cert, F.key]) {
      if (!data[k]) throw new PkiError('MALFORMED_PEM', `the CA Secret has no "${k}"; it needs ${F.cert} and ${F.key} (and ${F.chain} for the chain above the CA)`, k);
    }
    return CertificateAuthority.fromPem(
      { certPem: data[F.cert]!, keyPem: data[F.key]!, chainPem: data[F.chain], rootKeyPem: data[F.rootKey] },
      clock,
    );
  }

  /**
   * The CA's own Secret: signing cert and key, the chain above, and the root key when the operator made
   * the root. `prefix` names the keys of a CA kept beside another one (the next CA during a rotation).
   */
  toSecretData(prefix = ''): Record<string, string> {
    const F = CA_SECRET_KEYS;
    const data: Record<string, string> = { [prefix + F.cert]: this.signingCertPem, [prefix + F.key]: this.signer.key.pkcs8Pem };
    if (this.above.length > 0) data[prefix + F.chain] = pemBundle(this.above);
    if (this.rootKeyPem) data[prefix + F.rootKey] = this.rootKeyPem;
    return data;
  }

  /** The CA stored under `prefix` in `data`, or undefined when there is none. */
  static fromPrefixedSecretData(data: Record<string, string>, prefix: string, clock: Clock): Promise<CertificateAuthority> | undefined {
    const F = CA_SECRET_KEYS;
    if (!data[prefix + F.cert]) return undefined;
    const own: Record<string, string> = {};
    for (const k of Object.values(F)) if (data[prefix + k] !== undefined) own[k] = data[prefix + k]!;
    return CertificateAuthority.fromSecretData(own, clock);
  }

  get signingCertPem(): string {
    return toPem(this.signer.cert);
  }

  /** Every CA certificate, signer first, root last: what peers trust (like Hono's trusted-certs.pem). */
  get trustBundlePem(): string {
    return pemBundle([this.signer.cert, ...this.above]);
  }

  /** SHA-256 of the signing certificate. */
  get fingerprint(): string {
    return fingerprint(this.signer.cert);
  }

  /** When the signing certificate became valid. */
  get notBefore(): Date {
    return new Date(this.signer.cert.validFrom);
  }

  /** The earliest expiry along the CA's chain: leaves cannot outlive it. */
  get notAfter(): Date {
    return new Date(Math.min(...[this.signer.cert, ...this.above].map((c) => new Date(c.validTo).getTime())));
  }

  get keySpec(): PrivateKeySpec {
    return this.signer.key.spec;
  }

  async issue(req: LeafRequest): Promise<IssuedLeaf> {
    return this.sign(req, true);
  }

  private async sign(req: LeafRequest, checkNames = false): Promise<IssuedLeaf> {
    const subject = subjectName(req.subject, 'subject');
    const dnsNames = validateDnsNames(req.dnsNames ?? []);
    const ipAddresses = validateIpAddresses(req.ipAddresses ?? []);
    const usage = LEAF_USAGES[req.usage];
    if (!usage) throw new PkiError('INVALID_REQUEST', `usage ${JSON.stringify(req.usage)} is unknown; use server, client or both`, 'usage');
    if (req.usage !== 'client' && dnsNames.length + ipAddresses.length === 0) {
      throw new PkiError('INVALID_REQUEST', 'a server certificate needs at least one DNS name or IP address', 'dnsNames');
    }
    assertDuration(req.durationMs, 'durationMs');
    const now = this.clock.now();
    for (const c of [this.signer.cert, ...this.above]) assertWithinValidity(c, now, 'CA');

    const key = req.existingKeyPem
      ? parsePrivateKey(req.existingKeyPem, 'existingKeyPem')
      : parsePrivateKey(await generateKey(req.privateKey), 'privateKey');
    const notBefore = new Date(now.getTime() - NOT_BEFORE_BACKDATE_MS);
    const notAfter = new Date(Math.min(now.getTime() + req.durationMs, this.notAfter.getTime()));
    const rsa = key.spec.algorithm === 'RSA';
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // keyEncipherment only means something for RSA key transport (TLS 1.2 RSA suites).
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | (rsa && req.usage !== 'client' ? x509.KeyUsageFlags.keyEncipherment : 0),
        true,
      ),
      new x509.ExtendedKeyUsageExtension(usage, false),
    ];
    if (dnsNames.length + ipAddresses.length > 0) {
      extensions.push(
        new x509.SubjectAlternativeNameExtension([
          ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
          ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
        ]),
      );
    }
    const cert = await signCertificate({
      subject,
      issuerName: this.signer.name,
      issuerKeyId: this.signer.keyId,
      spkiDer: key.spkiDer,
      signingKey: this.signer.cryptoKey,
      signingKeySpec: this.signer.key.spec,
      notBefore,
      notAfter,
      extensions,
    });
    const certPem = cert.toString('pem') + '\n';
    // A leaf no peer would accept is not issued: the chain's constraints apply to its real names.
    validatePath(new NodeX509Certificate(Buffer.from(cert.rawData)), [this.signer.cert, ...this.above], now, { names: checkNames });
    return {
      keyPem: key.pkcs8Pem,
      certPem,
      // Leaf plus intermediates, never the root (peers must not take trust from what the other side sends).
      chainPem: certPem + this.chainTailPem,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      fingerprint: fingerprint(certPem),
    };
  }
}

const LEAF_USAGES: Record<string, string[]> = {
  server: [x509.ExtendedKeyUsage.serverAuth],
  client: [x509.ExtendedKeyUsage.clientAuth],
  both: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
};

function caExtensions(pathLength: number): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
  ];
}

const dn = (s: string) => s.replaceAll('\n', ', ');

function assertDuration(ms: number, field: string): void {
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new PkiError('INVALID_REQUEST', `duration must be a positive number of milliseconds, got ${ms}`, field);
  }
}

function assertCa(cert: X509Certificate, field: string): void {
  const parsed = new x509.X509Certificate(cert.raw);
  // RFC 5280: without a keyUsage extension every usage is allowed, and OpenSSL and Java accept such CAs.
  // Checked first: Node's `ca` is false for a CA:true certificate without keyCertSign.
  const ku = parsed.getExtension(x509.KeyUsagesExtension);
  if (parsed.getExtension(x509.BasicConstraintsExtension)?.ca && ku && !(ku.usages & x509.KeyUsageFlags.keyCertSign)) {
    throw new PkiError('NOT_A_CA', `"${dn(cert.subject)}" has keyUsage without keyCertSign, so it cannot sign certificates; re-issue it with keyCertSign`, field);
  }
  if (!cert.ca) {
    throw new PkiError('NOT_A_CA', `"${dn(cert.subject)}" is not a CA certificate (basicConstraints CA:true is missing); provide a CA certificate, not a leaf`, field);
  }
}

function assertWithinValidity(cert: X509Certificate, now: Date, field: string): void {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now > to) {
    throw new PkiError('CA_EXPIRED', `CA certificate "${dn(cert.subject)}" expired at ${to.toISOString()}; renew it or bring in a current CA`, field);
  }
  if (now < from) {
    throw new PkiError('CA_NOT_YET_VALID', `CA certificate "${dn(cert.subject)}" is valid only from ${from.toISOString()}; check the clock or the certificate`, field);
  }
}

function assertKeyMatches(key: ParsedKey, cert: X509Certificate, keyField: string, certField: string): void {
  const certSpki = cert.publicKey.export({ type: 'spki', format: 'der' });
  if (!key.spkiDer.equals(certSpki)) {
    throw new PkiError('KEY_MISMATCH', `the private key does not belong to the certificate in ${certField}; provide the key that was certified`, keyField);
  }
}
