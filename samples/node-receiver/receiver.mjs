// A receiver of ScimFunctions provisioning events: RFC 9967 Security Event Tokens pushed per RFC 8935.
// It checks the transmitter's bearer secret, verifies each SET with jose against the service's published keys
// (JWKS), skips a jti it has already handled (delivery is at least once), and acknowledges with 202.
import { createServer } from 'node:http';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, errors } from 'jose';

const SET_TYPE = 'secevent+jwt';
const MAX_BODY = 64 * 1024;

/**
 * @param {object} options
 * @param {string} options.jwksUrl   the service's JWKS URL (printed by `scim-admin events subscribe`)
 * @param {string} options.issuer    the tenant's SCIM base URL
 * @param {string} options.audience  this receiver's audience
 * @param {string} [options.bearer]  the secret the transmitter sends as `Authorization: Bearer …`
 * @param {string} [options.seenFile] where handled jti values are kept across restarts
 * @param {(claims: object) => Promise<void> | void} options.handle  your application's action; throw to refuse
 */
export function createReceiver({ jwksUrl, issuer, audience, bearer, seenFile, handle }) {
  // jose caches the key set and fetches it again when a SET names a kid it does not have (key rotation).
  const keys = createRemoteJWKSet(new URL(jwksUrl));
  const seen = new Set(seenFile && existsSync(seenFile) ? readFileSync(seenFile, 'utf8').split('\n').filter(Boolean) : []);

  return createServer(async (req, res) => {
    // RFC 8935 §2.3: an error is a 400 with a JSON body naming one of the registered error codes.
    const refuse = (status, err, description) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ err, description }));
    };
    if (req.method !== 'POST') return refuse(405, 'invalid_request', 'SETs are delivered with POST.');
    if (bearer && !sameSecret(req.headers.authorization, `Bearer ${bearer}`)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer' });
      return res.end();
    }
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith(`application/${SET_TYPE}`))
      return refuse(400, 'invalid_request', `Content-Type must be application/${SET_TYPE}.`);

    let token = '';
    for await (const chunk of req) {
      token += chunk;
      if (token.length > MAX_BODY) return refuse(400, 'invalid_request', 'The SET is too large.');
    }

    let claims;
    try {
      ({ payload: claims } = await jwtVerify(token.trim(), keys, { issuer, audience, typ: SET_TYPE, algorithms: ['ES256'] }));
    } catch (e) {
      if (e instanceof errors.JWTClaimValidationFailed && e.claim === 'iss') return refuse(400, 'invalid_issuer', e.message);
      if (e instanceof errors.JWTClaimValidationFailed && e.claim === 'aud') return refuse(400, 'invalid_audience', e.message);
      if (e instanceof errors.JWKSNoMatchingKey) return refuse(400, 'invalid_key', e.message);
      if (e instanceof errors.JOSEError) return refuse(400, 'authentication_failed', e.message);
      return refuse(400, 'invalid_request', 'The body is not a signed SET.');
    }
    if (typeof claims.jti !== 'string' || typeof claims.events !== 'object' || claims.sub_id?.format !== 'scim')
      return refuse(400, 'invalid_request', 'A SCIM SET has jti, sub_id (format scim) and events.');

    if (!seen.has(claims.jti)) {
      try {
        await handle(claims);
      } catch (e) {
        // Not acknowledged: the transmitter retries later.
        res.writeHead(503, { 'Retry-After': '5' });
        return res.end();
      }
      seen.add(claims.jti);
      if (seenFile) appendFileSync(seenFile, `${claims.jti}\n`);
    }
    res.writeHead(202);
    res.end();
  });
}

function sameSecret(sent, expected) {
  const a = Buffer.from(sent ?? ''), b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What an application would do with each event (RFC 9967 §2.4): read the resource again with a SCIM GET of
 *  `issuer + sub_id.uri` (an application token may do that) when it needs attribute values. */
export function describe(claims) {
  const uri = claims.sub_id.uri;
  return Object.entries(claims.events).map(([type, payload]) => {
    const name = type.replace('urn:ietf:params:scim:event:prov:', '');
    const attributes = payload.attributes ? ` [${payload.attributes.join(', ')}]` : '';
    return `${new Date(claims.iat * 1000).toISOString()}  ${name.padEnd(12)} ${uri}${attributes}  (txn ${claims.txn})`;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = (name, fallback) => process.env[name] ?? fallback ?? (() => { throw new Error(`Set ${name}.`); })();
  const port = Number(env('PORT', '8080'));
  createReceiver({
    jwksUrl: env('JWKS_URL'),
    issuer: env('ISSUER'),
    audience: env('AUDIENCE'),
    bearer: process.env.RECEIVER_SECRET,
    seenFile: env('SEEN_FILE', 'seen-jti.log'),
    handle: claims => describe(claims).forEach(line => console.log(line)),
  }).listen(port, '127.0.0.1', () => console.log(`Receiving SETs on http://127.0.0.1:${port}/`));
}
