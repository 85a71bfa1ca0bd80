import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHelloAuth, makeHelloAuth, sharedSecret } from './hello-proof';
import { mayClaim } from './identity';

// RFC 7748 §6.1 keys in Z85: Alice is the device, Bob the hub (docs/device-protocol.md §8.3 test vector).
const DEVICE = { secretKey: 'Cl.%(A#p:4jqL+Nql<!5?+kXU(+F]rV3l8w9L0ZJ', publicKey: 'G=]<>I7>&bBC>O5V{aj/4zK}kco8}o(.HIuS*=:#' };
const HUB = { secretKey: 'u8[lWvOhIJDeTmhGmBD]z-+iMck:h&950i$%a]R0', publicKey: '?K-FIDWS-q^{3m$)bQ2.kz8tAtx<^PT]9RZz?]]t' };

test("the HELLO key proof: X25519 as RFC 7748 §6.1, HMAC-SHA256 of the deviceId; the spec's vector", () => {
  const k = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  assert.equal(sharedSecret(DEVICE.secretKey, HUB.publicKey).toString('hex'), k);
  assert.equal(sharedSecret(HUB.secretKey, DEVICE.publicKey).toString('hex'), k);
  const auth = makeHelloAuth({ ...DEVICE, serverPublicKey: HUB.publicKey }, 'sim-monitor-01');
  assert.deepEqual(auth, { key: DEVICE.publicKey, proof: '0d64d6fed08350f0f955d12cba752452c82dbd0a985542c8511e8a501ff43ff4' });
  assert.equal(checkHelloAuth(auth, 'sim-monitor-01', HUB.secretKey), true);
  assert.equal(checkHelloAuth(auth, 'sim-monitor-02', HUB.secretKey), false, 'bound to the deviceId');
  assert.equal(checkHelloAuth({ ...auth, proof: 'zz' }, 'sim-monitor-01', HUB.secretKey), false);
  assert.equal(checkHelloAuth({ key: 'not a key', proof: auth.proof }, 'sim-monitor-01', HUB.secretKey), false, 'never throws');
});

test('enrolment claims: exact deviceIds, or prefixes ending in *', () => {
  assert.equal(mayClaim(['m1'], 'm1'), true);
  assert.equal(mayClaim(['m1'], 'm10'), false);
  assert.equal(mayClaim(['sim-*'], 'sim-pump-01'), true);
  assert.equal(mayClaim(['sim-*'], 'pump-01'), false);
  assert.equal(mayClaim([], 'm1'), false);
});
