// The receiver against a key set served on 127.0.0.1, with SETs signed by jose as the service signs them
// (ES256, kid, typ secevent+jwt). The .NET integration tests run this same receiver against the service.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { generateKeyPair, exportJWK, SignJWT } from 'jose';
import { createReceiver } from '../receiver.mjs';

const issuer = 'https://scim.example.com/scim/v2/contoso', audience = 'receiver-1', bearer = 'transmitter-secret';
let jwksServer, receiver, url, privateKey, handled = [];

const listen = server => new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));

before(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  jwksServer = createServer((_, res) => res.end(JSON.stringify({ keys: [jwk] })));
  const jwksUrl = `${await listen(jwksServer)}/jwks`;
  receiver = createReceiver({ jwksUrl, issuer, audience, bearer, handle: claims => { handled.push(claims.jti); } });
  url = await listen(receiver);
});

after(() => { receiver.close(); jwksServer.close(); });

const sign = (claims, { kid = 'k1', typ = 'secevent+jwt', key = privateKey } = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ }).sign(key);

const set = jti => ({
  iss: issuer, aud: audience, iat: 1736847002, jti, txn: 'r1',
  sub_id: { format: 'scim', uri: '/Users/u1', id: 'u1' },
  events: { 'urn:ietf:params:scim:event:prov:deactivate': {} },
});

const post = (body, headers = {}) => fetch(url, {
  method: 'POST',
  headers: { 'Content-Type': 'application/secevent+jwt', Authorization: `Bearer ${bearer}`, ...headers },
  body,
});

test('a valid SET is acknowledged with 202 and handled once however often it is redelivered', async () => {
  const token = await sign(set('e1'));
  assert.equal((await post(token)).status, 202);
  assert.equal((await post(token)).status, 202);
  assert.deepEqual(handled.filter(j => j === 'e1'), ['e1']);
});

test('RFC 8935 error bodies for a wrong audience, issuer, key or signature', async () => {
  const cases = [
    [await sign({ ...set('e2'), aud: 'someone-else' }), 'invalid_audience'],
    [await sign({ ...set('e3'), iss: 'https://evil.example.com' }), 'invalid_issuer'],
    [await sign(set('e4'), { kid: 'unknown' }), 'invalid_key'],
    [(await sign(set('e5'))).replace(/\.[^.]+$/, '.AAAA'), 'authentication_failed'],
    [await sign(set('e6'), { typ: 'JWT' }), 'authentication_failed'],
  ];
  for (const [token, err] of cases) {
    const res = await post(token);
    assert.equal(res.status, 400);
    assert.equal((await res.json()).err, err);
  }
  assert.deepEqual(handled.filter(j => j !== 'e1'), []);
});

test('the transmitter must present the shared bearer secret', async () => {
  const res = await post(await sign(set('e7')), { Authorization: 'Bearer wrong' });
  assert.equal(res.status, 401);
  assert.ok(!handled.includes('e7'));
});
