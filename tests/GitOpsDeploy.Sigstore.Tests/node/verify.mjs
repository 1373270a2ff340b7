// The reference verifier of the differential tests: sigstore-js (@sigstore/verify) checks each bundle
// against a trusted root, with the same policy GitOpsDeploy.Sigstore applies, expressed the way
// sigstore-js takes it (SAN pattern, issuer, certificate OID values). sigstore-js does not read the
// in-toto statement or compare times with the clock, so this script adds those two checks itself.
//
//   node verify.mjs TRUSTED_ROOT_JSON CASES_JSON
//
// CASES_JSON: {"now": ISO time, "cases": [{"name", "file" (relative to CASES_JSON), "digest", "policy"}]}.
// Prints {"results": [{"name", "verified", "code", "message", "sigstoreJs"}]}: sigstoreJs is what
// sigstore-js alone said ("verified" or its error code).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { load } from './modules.mjs';

const { bundleFromJSON } = load('@sigstore/bundle');
const { Verifier, toSignedEntity, toTrustMaterial } = load('@sigstore/verify');
const { TrustedRoot } = load('@sigstore/protobuf-specs');

const [rootPath, casesPath] = process.argv.slice(2);
const rootJson = JSON.parse(readFileSync(rootPath, 'utf8'));
const { now, cases } = JSON.parse(readFileSync(casesPath, 'utf8'));
const clock = new Date(now ?? Date.now());
const MAX_SKEW_MS = 5 * 60 * 1000;

const trust = toTrustMaterial(TrustedRoot.fromJSON(rootJson));
const verifier = new Verifier(trust, {
  // Either a log entry or a timestamp proves the time (GitHub's private instance has no log).
  tlogThreshold: 0,
  ctlogThreshold: (rootJson.ctlogs ?? []).length > 0 ? 1 : 0,
  timestampThreshold: 1,
});

const FULCIO = '1.3.6.1.4.1.57264.1.';
const utf8String = (value) => {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > 127) throw new Error('long values are not needed here');
  return Buffer.concat([Buffer.from([0x0c, bytes.length]), bytes]);
};
const oid = (arc, value) => ({ oid: { id: `${FULCIO}${arc}`.split('.').map(Number) }, value: utf8String(value) });
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function toSigstorePolicy(p) {
  const server = p.serverUrl ?? 'https://github.com';
  const [owner] = p.sourceRepository.split('/');
  const workflows = (p.allowedSignerWorkflows ?? []).length > 0
    ? p.allowedSignerWorkflows.map((w) => {
        const url = w.startsWith('https://') ? w : `${server}/${w}`;
        return url.includes('@') ? escape(url) : `${escape(url)}@[^@]+`;
      })
    : [`${escape(`${server}/${p.sourceRepository}/.github/workflows/`)}[^@]+@[^@]+`];
  const oids = [oid(12, `${server}/${p.sourceRepository}`), oid(16, `${server}/${owner}`)];
  if (!p.allowSelfHostedRunners) oids.push(oid(11, 'github-hosted'));
  if (p.sourceCommit) oids.push(oid(13, p.sourceCommit));
  if (p.sourceRef) oids.push(oid(14, p.sourceRef));
  return {
    subjectAlternativeName: new RegExp(`^(?:${workflows.join('|')})$`),
    extensions: { issuer: p.issuer ?? 'https://token.actions.githubusercontent.com' },
    oids,
  };
}

function checkStatement(bundle, digest, predicateTypes) {
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== 'application/vnd.in-toto+json') throw coded('STATEMENT', `payload type ${envelope.payloadType}`);
  const statement = JSON.parse(Buffer.from(envelope.payload).toString('utf8'));
  if (!['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1'].includes(statement._type)) {
    throw coded('STATEMENT', `statement type ${statement._type}`);
  }
  const want = digest.replace(/^sha256:/, '').toLowerCase();
  if (!(statement.subject ?? []).some((s) => (s.digest?.sha256 ?? '').toLowerCase() === want)) throw coded('SUBJECT', `no subject sha256:${want}`);
  if (!predicateTypes.includes(statement.predicateType)) throw coded('PREDICATE_TYPE', statement.predicateType);
}

function checkClock(entity) {
  for (const t of entity.timestamps) {
    const time = t.$case === 'transparency-log'
      ? new Date(Number(t.tlogEntry.integratedTime) * 1000)
      : t.timestamp.signingTime;
    if (time.getTime() > clock.getTime() + MAX_SKEW_MS) throw coded('FUTURE_TIMESTAMP', `${time.toISOString()} is after ${clock.toISOString()}`);
  }
}

const coded = (code, message) => Object.assign(new Error(message), { code });

const results = cases.map(({ name, file, digest, policy }) => {
  let sigstoreJs = 'not run';
  try {
    const bundle = bundleFromJSON(JSON.parse(readFileSync(join(dirname(casesPath), file), 'utf8')));
    const entity = toSignedEntity(bundle);
    try {
      verifier.verify(entity, toSigstorePolicy(policy));
      sigstoreJs = 'verified';
    } catch (e) {
      sigstoreJs = e.code ?? e.name;
      throw e;
    }
    checkClock(entity);
    checkStatement(bundle, digest, policy.predicateTypes ?? ['https://slsa.dev/provenance/v1', 'https://slsa.dev/provenance/v0.2']);
    return { name, verified: true, sigstoreJs };
  } catch (e) {
    return { name, verified: false, code: e.code ?? e.name, message: e.message, sigstoreJs };
  }
});
console.log(JSON.stringify({ results }, null, 2));
