// Mints Sigstore bundles with keys we control, for the differential tests of GitOpsDeploy.Sigstore.
// @sigstore/mock plays Fulcio (CA + CT log), Rekor (entry body, SET, checkpoint) and the TSA; this
// script assembles the bundles (v0.1/v0.2/v0.3 shapes), a Merkle tree around the entry, and one
// defect per negative case.
//
//   node mint.mjs OUT_DIR
//
// writes OUT_DIR/trusted_root.json, OUT_DIR/cases.json and one OUT_DIR/<case>.json per case. Each case
// says which digest and policy to verify with and what a correct verifier must answer.
import { createHash, generateKeyPairSync, randomBytes, sign as nodeSign } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from './modules.mjs';

const mock = load('@sigstore/mock');
const canonicalize = load('canonicalize');

const out = process.argv[2];
if (!out) {
  console.error('usage: node mint.mjs OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const HOUR = 3600 * 1000;
const MINUTE = 60 * 1000;
// The mock's root certificates start at the real time they are made: every clock runs from there.
// Whole seconds: the mock TSA writes milliseconds into genTime as a fraction, which some parsers
// (sigstore-js's among them) refuse for some values; real TSAs here sign whole seconds.
const created = Math.ceil(Date.now() / 1000) * 1000 + 1000;
const T0 = created + HOUR; // when bundles are signed
const NOW = created + 2 * HOUR; // when verifiers check them
const TLOG_URL = 'https://tlog.sigstore.mock';
const ISSUER = 'https://token.actions.githubusercontent.com';
const INTOTO = 'application/vnd.in-toto+json';
const SLSA_V1 = 'https://slsa.dev/provenance/v1';

const ec = (namedCurve = 'P-256') => generateKeyPairSync('ec', { namedCurve });
const spki = (key) => key.export({ format: 'der', type: 'spki' });
const sha256 = (data) => createHash('sha256').update(data).digest();
const b64 = (data) => Buffer.from(data).toString('base64');
const pem = (der) => `-----BEGIN CERTIFICATE-----\n${b64(der).match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
const pae = (type, payload) =>
  Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);

// A clock the mocks read on every call (they keep the Date object), moved per case.
const clock = new Date(T0);
const at = (time) => clock.setTime(time);

// --- services -------------------------------------------------------------------------------
const ctKey = ec();
const ctlog = await mock.initializeCTLog(ctKey, clock);
const caKey = ec('P-384');
const ca = await mock.initializeCA(caKey, ctlog, clock);
const tlogKey = ec();
const tlog = await mock.initializeTLog(TLOG_URL, tlogKey, clock);
const tsa = await mock.initializeTSA(ec(), clock);

// Services nobody trusts.
const rogueCa = await mock.initializeCA(ec('P-384'), ctlog, clock);
const rogueCt = await mock.initializeCTLog(ec(), clock);
// The trusted CA's key (its certificates chain to the trusted root), logging elsewhere or nowhere.
const caWithRogueCt = await mock.initializeCA(caKey, rogueCt, clock);
const caWithoutCt = await mock.initializeCA(caKey, undefined, clock);
// A CT log that claims the trusted log's ID but signs with another key: a forged SCT.
const forgingCt = await mock.initializeCTLog(ec(), clock);
forgingCt.logID = ctlog.logID;
const caWithForgedSct = await mock.initializeCA(caKey, forgingCt, clock);
const rogueTlogKey = ec();
const rogueTlog = await mock.initializeTLog(TLOG_URL, rogueTlogKey, clock);
const rogueTsa = await mock.initializeTSA(ec(), clock);

const since = new Date(created - 24 * HOUR).toISOString();
const authority = (certs, uri) => ({
  subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
  uri,
  certChain: { certificates: certs.map((c) => ({ rawBytes: b64(c) })) },
  validFor: { start: since },
});
const logKey = (key, baseUrl) => ({
  baseUrl,
  hashAlgorithm: 'SHA2_256',
  publicKey: { rawBytes: b64(spki(key.publicKey)), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: since } },
  logId: { keyId: b64(sha256(spki(key.publicKey))) },
});
const trustedRoot = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [logKey(tlogKey, TLOG_URL)],
  certificateAuthorities: [authority([ca.rootCertificate], 'https://fulcio.sigstore.mock')],
  ctlogs: [logKey(ctKey, 'https://ctfe.sigstore.mock')],
  timestampAuthorities: [authority([tsa.intCertificate, tsa.rootCertificate], 'https://tsa.sigstore.mock')],
};
writeFileSync(join(out, 'trusted_root.json'), JSON.stringify(trustedRoot, null, 2));

// --- identities and statements --------------------------------------------------------------
const COMMIT = 'c0ffee0000000000000000000000000000000001';
const identity = (over = {}) => {
  const repo = over.repo ?? 'acme/web';
  const owner = repo.split('/')[0];
  const workflow = over.workflow ?? `https://github.com/${repo}/.github/workflows/release.yml@refs/heads/main`;
  return {
    san: workflow,
    ext: {
      1: over.issuer ?? ISSUER, // legacy, raw
      8: over.issuer ?? ISSUER,
      9: workflow,
      10: COMMIT,
      11: over.runner ?? 'github-hosted',
      12: `https://github.com/${repo}`,
      13: over.commit ?? COMMIT,
      14: 'refs/heads/main',
      15: '123456',
      16: `https://github.com/${owner}`,
      17: '654321',
      18: `https://github.com/${repo}/.github/workflows/release.yml@refs/heads/main`,
      19: COMMIT,
      20: 'push',
      21: `https://github.com/${repo}/actions/runs/1/attempts/1`,
      22: 'public',
    },
  };
};

const IMAGE = randomBytes(32).toString('hex');
const statement = (over = {}) =>
  Buffer.from(
    JSON.stringify({
      _type: over.type ?? 'https://in-toto.io/Statement/v1',
      subject: [
        { name: 'ghcr.io/acme/sidecar', digest: { sha256: randomBytes(32).toString('hex') } },
        { name: 'ghcr.io/acme/web', digest: { sha256: over.digest ?? IMAGE } },
      ],
      predicateType: over.predicateType ?? SLSA_V1,
      predicate: { buildDefinition: { buildType: 'https://actions.github.io/buildtypes/workflow/v1' }, runDetails: {} },
    }),
  );

// --- RFC 6962 tree around the entry ---------------------------------------------------------
const leafHash = (data) => sha256(Buffer.concat([Buffer.from([0]), data]));
const nodeHash = (l, r) => sha256(Buffer.concat([Buffer.from([1]), l, r]));
const largestPowerOfTwoBelow = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };
const mth = (leaves) => {
  if (leaves.length === 1) return leafHash(leaves[0]);
  const k = largestPowerOfTwoBelow(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
};
const path = (m, leaves) => {
  if (leaves.length === 1) return [];
  const k = largestPowerOfTwoBelow(leaves.length);
  return m < k
    ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
};
const checkpoint = (size, root, key, name = new URL(TLOG_URL).host) => {
  const note = `${name} - 1234567890\n${size}\n${b64(root)}\nTimestamp: ${BigInt(clock.getTime()) * 1000000n}\n`;
  const signature = nodeSign('sha256', Buffer.from(note), key.privateKey);
  const hint = sha256(spki(key.publicKey)).subarray(0, 4);
  return `${note}\n\u2014 ${name} ${b64(Buffer.concat([hint, signature]))}\n`;
};

// --- one bundle -----------------------------------------------------------------------------
const utf8Ext = (ext) => Object.entries(ext).map(([arc, value]) => ({ oid: `1.3.6.1.4.1.57264.1.${arc}`, value, legacy: arc === '1' }));

async function mint(o = {}) {
  const signer = ec();
  at(o.certTime ?? T0);
  const cert = Buffer.from(
    await (o.ca ?? ca).issueCertificate({
      publicKey: spki(signer.publicKey),
      subjectAltName: o.id?.san ?? identity().san,
      extensions: utf8Ext((o.id ?? identity()).ext),
    }),
  );
  const payloadType = o.payloadType ?? INTOTO;
  const payload = o.payload ?? statement();
  const signed = o.signedPayload ?? payload;
  const sig = nodeSign('sha256', pae(payloadType, signed), signer.privateKey);
  const envelope = { payload: b64(payload), payloadType, signatures: [{ sig: b64(sig), keyid: '' }] };

  const material = {};
  const version = o.version ?? 3;
  if (version === 3) material.certificate = { rawBytes: b64(cert) };
  else material.x509CertificateChain = { certificates: [{ rawBytes: b64(cert) }] };
  material.tlogEntries = [];

  if (o.tlog !== false) {
    at(o.tlogTime ?? T0);
    const loggedPayload = o.loggedPayload ?? payload;
    const body =
      o.kind === 'intoto'
        ? {
            apiVersion: '0.0.2',
            kind: 'intoto',
            spec: {
              content: {
                envelope: { payloadType, signatures: [{ publicKey: b64(pem(cert)), sig: b64(b64(sig)) }] },
                hash: { algorithm: 'sha256', value: sha256(JSON.stringify(envelope)).toString('hex') },
                payloadHash: { algorithm: 'sha256', value: sha256(loggedPayload).toString('hex') },
              },
            },
          }
        : {
            apiVersion: '0.0.1',
            kind: 'dsse',
            spec: {
              envelopeHash: { algorithm: 'sha256', value: sha256(JSON.stringify(envelope)).toString('hex') },
              payloadHash: { algorithm: 'sha256', value: sha256(loggedPayload).toString('hex') },
              signatures: [{ signature: b64(sig), verifier: b64(pem(cert)) }],
            },
          };
    const log = o.rogueTlog ? rogueTlog : tlog;
    const entry = Object.values(await log.log(body))[0];
    const canonicalBody = Buffer.from(entry.body, 'base64');
    const tlogEntry = {
      logIndex: String(entry.logIndex),
      logId: { keyId: b64(Buffer.from(entry.logID, 'hex')) },
      kindVersion: { kind: body.kind, version: body.apiVersion },
      integratedTime: String(entry.integratedTime),
      canonicalizedBody: b64(canonicalBody),
    };
    if (o.set !== false) tlogEntry.inclusionPromise = { signedEntryTimestamp: entry.verification.signedEntryTimestamp };
    if (o.proof !== false) {
      if (o.singleLeaf) {
        // The mock's own proof: the entry alone in a tree of one, under its signed checkpoint.
        const p = entry.verification.inclusionProof;
        tlogEntry.inclusionProof = {
          logIndex: String(p.logIndex),
          rootHash: b64(Buffer.from(p.rootHash, 'hex')),
          treeSize: String(p.treeSize),
          hashes: [],
          checkpoint: { envelope: p.checkpoint },
        };
      } else {
        const size = o.treeSize ?? 13;
        const index = o.leafIndex ?? 9;
        const leaves = Array.from({ length: size }, (_, i) => (i === index ? canonicalBody : randomBytes(40)));
        const root = mth(leaves);
        tlogEntry.inclusionProof = {
          logIndex: String(index),
          rootHash: b64(root),
          treeSize: String(size),
          hashes: path(index, leaves).map(b64),
          checkpoint: { envelope: checkpoint(size, root, o.checkpointKey ?? (o.rogueTlog ? rogueTlogKey : tlogKey)) },
        };
      }
    }
    material.tlogEntries.push(tlogEntry);
  }

  if (o.tsa) {
    at(o.tsaTime ?? T0);
    const response = await (o.tsa === 'rogue' ? rogueTsa : tsa).timestamp({
      artifactHash: sha256(sig),
      hashAlgorithmOID: '2.16.840.1.101.3.4.2.1',
      nonce: 42,
      policyOID: '1.3.6.1.4.1.57264.2',
      certReq: true,
    });
    material.timestampVerificationData = { rfc3161Timestamps: [{ signedTimestamp: b64(response) }] };
  }

  const mediaType =
    o.mediaType ??
    (version === 3 ? 'application/vnd.dev.sigstore.bundle.v0.3+json' : `application/vnd.dev.sigstore.bundle+json;version=0.${version}`);
  const bundle = { mediaType, verificationMaterial: material, dsseEnvelope: envelope };
  o.tamper?.(bundle);
  return bundle;
}

const flip = (value, index = 0) => {
  const bytes = Buffer.from(value, 'base64');
  bytes[index < 0 ? bytes.length + index : index] ^= 1;
  return b64(bytes);
};
const entry0 = (b) => b.verificationMaterial.tlogEntries[0];

// --- the cases ------------------------------------------------------------------------------
const policy = { sourceRepository: 'acme/web' };
const verified = { expect: 'verified' };
const refused = (check) => ({ expect: 'refused', check });
const cases = {
  'good-v03': [{}, verified],
  'good-v03-legacy-media-type': [{ mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.3' }, verified],
  'good-v02': [{ version: 2 }, verified],
  'good-v01-set-only': [{ version: 1, proof: false }, verified],
  'good-v01-set-and-proof': [{ version: 1 }, verified],
  'good-mock-single-leaf-proof': [{ singleLeaf: true }, verified],
  'good-first-leaf-of-two': [{ treeSize: 2, leafIndex: 0 }, verified],
  'good-last-leaf-of-large-tree': [{ treeSize: 1000, leafIndex: 999 }, verified],
  'good-intoto-entry-v01': [{ version: 1, kind: 'intoto' }, verified],
  'good-statement-v01-slsa-v02': [{ payload: statement({ type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://slsa.dev/provenance/v0.2' }) }, verified],
  'good-tlog-and-tsa': [{ tsa: true }, verified],
  'good-tsa-only': [{ tlog: false, tsa: true }, verified],
  'good-reusable-workflow-allowed': [
    { id: identity({ workflow: 'https://github.com/acme/shared/.github/workflows/build.yml@refs/tags/v2' }) },
    verified,
    { allowedSignerWorkflows: ['acme/shared/.github/workflows/build.yml'] },
  ],
  'good-expected-commit': [{}, verified, { sourceCommit: COMMIT }],
  'wrong-repository': [{ id: identity({ repo: 'evil/web' }) }, refused('SourceRepository')],
  'wrong-workflow': [{ id: identity({ workflow: 'https://github.com/evil/tools/.github/workflows/sign.yml@refs/heads/main' }) }, refused('SignerWorkflow')],
  'wrong-digest': [{ payload: statement({ digest: randomBytes(32).toString('hex') }) }, refused('Subject')],
  'wrong-predicate-type': [{ payload: statement({ predicateType: 'https://spdx.dev/Document' }) }, refused('PredicateType')],
  'wrong-payload-type': [{ payloadType: 'application/json' }, refused('Statement')],
  'wrong-issuer': [{ id: identity({ issuer: 'https://token.actions.githubusercontent.com/evil' }) }, refused('Issuer')],
  'wrong-commit': [{ id: identity({ commit: 'bad0000000000000000000000000000000000bad' }) }, refused('SourceCommit'), { sourceCommit: COMMIT }],
  'self-hosted-runner': [{ id: identity({ runner: 'self-hosted' }) }, refused('RunnerEnvironment')],
  'expired-certificate-tlog': [{ certTime: T0 - 20 * MINUTE }, refused('CertificateChain')],
  'expired-certificate-tsa': [{ tlog: false, tsa: true, certTime: T0 - 20 * MINUTE }, refused('CertificateChain')],
  'certificate-not-yet-valid': [{ certTime: T0 + 5 * MINUTE }, refused('CertificateChain')],
  'bad-signature': [{ signedPayload: statement() }, refused('Signature')],
  'bad-signature-tsa-only': [{ tlog: false, tsa: true, signedPayload: statement() }, refused('Signature')],
  'tampered-inclusion-proof': [{ tamper: (b) => { const h = entry0(b).inclusionProof.hashes; h[1] = flip(h[1], 5); } }, refused('TransparencyLog')],
  'tampered-checkpoint': [
    { tamper: (b) => { const c = entry0(b).inclusionProof.checkpoint; c.envelope = c.envelope.replace(/\n13\n/, '\n14\n'); } },
    refused('TransparencyLog'),
  ],
  'checkpoint-signed-by-untrusted-key': [{ checkpointKey: ec() }, refused('TransparencyLog')],
  'tampered-signed-entry-timestamp': [{ tamper: (b) => { const p = entry0(b).inclusionPromise; p.signedEntryTimestamp = flip(p.signedEntryTimestamp, -2); } }, refused('TransparencyLog')],
  'tampered-integrated-time': [{ tamper: (b) => { entry0(b).integratedTime = String(Number(entry0(b).integratedTime) + 30); } }, refused('TransparencyLog')],
  'tlog-entry-for-another-payload': [{ loggedPayload: statement() }, refused('TransparencyLog')],
  'untrusted-transparency-log': [{ rogueTlog: true }, refused('TransparencyLog')],
  'future-timestamp': [{ certTime: NOW + 24 * HOUR, tlogTime: NOW + 24 * HOUR }, refused('SigningTime')],
  'future-timestamp-tsa-only': [{ tlog: false, tsa: true, certTime: NOW + 24 * HOUR, tsaTime: NOW + 24 * HOUR }, refused('SigningTime')],
  'untrusted-ca': [{ ca: rogueCa }, refused('CertificateChain')],
  'untrusted-ca-tsa-only': [{ ca: rogueCa, tlog: false, tsa: true }, refused('CertificateChain')],
  'sct-from-untrusted-ct-log': [{ ca: caWithRogueCt }, refused('CertificateTransparency')],
  'sct-forged-for-trusted-ct-log': [{ ca: caWithForgedSct }, refused('CertificateTransparency')],
  'no-sct': [{ ca: caWithoutCt }, refused('CertificateTransparency')],
  'tsa-untrusted': [{ tlog: false, tsa: 'rogue' }, refused('TimestampAuthority')],
  'no-time-proof': [{ tlog: false }, refused('SigningTime')],
  'v01-without-set': [{ version: 1, set: false }, refused('BundleFormat')],
  'v03-without-inclusion-proof': [{ proof: false }, refused('BundleFormat')],
  'v03-with-certificate-chain': [{ version: 2, mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }, refused('BundleFormat')],
};

const list = [];
for (const [name, [options, expectation, extraPolicy]] of Object.entries(cases)) {
  const bundle = await mint(options);
  writeFileSync(join(out, `${name}.json`), JSON.stringify(bundle, null, 2));
  list.push({ name, file: `${name}.json`, digest: `sha256:${IMAGE}`, policy: { ...policy, ...extraPolicy }, ...expectation });
}
writeFileSync(join(out, 'cases.json'), JSON.stringify({ now: new Date(NOW).toISOString(), cases: list }, null, 2));
console.log(`minted ${list.length} bundles into ${out}`);
