/**
 * TLS for the display server off loopback (issue 12 §5): a display reached over the network gets
 * HTTPS/WSS, with the hospital's certificate (--tls-cert/--tls-key) or one the hub makes for
 * itself (--tls-self-signed, kept in DATA_DIR/tls, 0600), whose SHA-256 fingerprint it prints so
 * the person pairing a display can check it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** SHA-256 of the DER certificate, as colon-separated upper-case hex (what browsers show). */
  fingerprint: string;
}

/** True for 127.0.0.0/8, ::1 and localhost: the only addresses the display is served on without TLS. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export function fingerprintOf(certPem: Buffer | string): string {
  return new crypto.X509Certificate(certPem).fingerprint256;
}

/** Reads and checks a certificate and key pair (they must match); throws a one-line error naming the file. */
export function readTls(certFile: string, keyFile: string): TlsMaterial {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = fs.readFileSync(certFile);
  } catch (e) {
    throw new Error(`--tls-cert ${certFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    key = fs.readFileSync(keyFile);
  } catch (e) {
    throw new Error(`--tls-key ${keyFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let x509: crypto.X509Certificate;
  try {
    x509 = new crypto.X509Certificate(cert);
  } catch {
    throw new Error(`--tls-cert ${certFile}: not a PEM certificate`);
  }
  let pk: crypto.KeyObject;
  try {
    pk = crypto.createPrivateKey(key);
  } catch {
    throw new Error(`--tls-key ${keyFile}: not a PEM private key`);
  }
  if (!x509.checkPrivateKey(pk)) throw new Error(`--tls-key ${keyFile} does not belong to the certificate in ${certFile}`);
  if (Date.parse(x509.validTo) < Date.now()) throw new Error(`--tls-cert ${certFile} expired on ${x509.validTo}`);
  return { cert, key, fingerprint: x509.fingerprint256 };
}

/**
 * The hub's own certificate in DATA_DIR/tls (made once with openssl: EC P-256, 825 days, the
 * host as subject alternative name; made again when it no longer covers `host` or expires).
 */
export function selfSigned(dataDir: string, host: string): TlsMaterial & { created: boolean } {
  const dir = path.join(dataDir, 'tls');
  const certFile = path.join(dir, 'display-cert.pem');
  const keyFile = path.join(dir, 'display-key.pem');
  const ip = /^[\d.]+$/.test(host) || host.includes(':');
  const san = `${ip ? 'IP' : 'DNS'}:${host.replace(/^\[|\]$/g, '')},DNS:localhost,IP:127.0.0.1`;
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    try {
      const m = readTls(certFile, keyFile);
      const x = new crypto.X509Certificate(m.cert);
      if ((x.subjectAltName ?? '').includes(host.replace(/^\[|\]$/g, '')) && Date.parse(x.validTo) > Date.now() + 7 * 86400_000)
        return { ...m, created: false };
    } catch {
      // unusable: make a new one below
    }
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '825',
        '-subj',
        '/CN=OR Hub display',
        '-addext',
        `subjectAltName=${san}`,
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (e) {
    throw new Error(
      `--tls-self-signed: could not make a certificate with openssl (${(e as Error).message.split('\n')[0]}); give --tls-cert and --tls-key instead`,
    );
  }
  fs.chmodSync(keyFile, 0o600);
  fs.chmodSync(certFile, 0o600);
  return { ...readTls(certFile, keyFile), created: true };
}
