/**
 * HELLO (docs/device-protocol.md §3): a device introduces itself, or re-introduces itself
 * after a link cut (same routing id: the same session, numbering continues) or a restart
 * (a new routing id: its clock and numbering start over). The hub answers HELLO_ACK, with
 * the data channel and this session's token when there is one (§2.3), and starts clock sync.
 */
import { validateDescriptor } from '../../../native-bridge/common/descriptor';
import { DATA_SWITCH_VERSION, tokenToHex } from '../../../native-bridge/common/data-channel';
import { HubErrorCode, encodeError, encodeHelloAck, type FrameOf, type FrameType } from '../../../native-bridge/common/wire';
import { sendSync } from './clock-schedule';
import type { IngestContext } from './context';
import type { DropCode } from './counters';
import { IngestDevice } from './device';
import { budgetsFor } from './flood';
import { setLinkState } from './link';
import { DeviceSession, type Sessions } from './sessions';

/** A second HELLO within this long on the same link is only acknowledged (e.g. one on reconnect and one answering HELLO_REQUIRED), ms. */
const REPEAT_HELLO_MS = 100;

const peerName = (peer: Buffer) => `peer ${peer.toString('hex')}`;

/** Refuses a HELLO: counted, logged (`logged`, default `why`), and the device told `why` with ERROR `error`; it is not admitted. */
function reject(ctx: IngestContext, peer: Buffer, code: DropCode, why: string, t: number, error = HubErrorCode.HelloRejected, logged = why): void {
  ctx.stats.helloRejected++;
  ctx.drop(undefined, code, logged, peerName(peer));
  ctx.transport.send(peer, encodeError({ seq: 0, tDeviceMs: t }, error, why.slice(0, 200)));
}

/**
 * The allow-list changed (§8.3): every device whose proven key may no longer claim its deviceId
 * loses its link at once (shown offline; its peer, data token and frames are refused from now on).
 */
export function recheckIdentities(ctx: IngestContext, sessions: Sessions, t: number): void {
  const check = ctx.identity;
  if (!check) return;
  for (const dev of sessions.devices.values()) {
    const { key, peer } = dev.session;
    if (key === null || peer === null || check.allowed(key, dev.id)) continue;
    ctx.transport.send(peer, encodeError({ seq: 0, tDeviceMs: t }, HubErrorCode.IdentityRefused, 'key revoked'));
    sessions.release(dev);
    setLinkState(ctx, dev, 'offline', t, 'its key was revoked');
  }
}

/** HELLO_ACK's JSON (§3.3): with the data channel's address and this session's token when there is one. */
function ackJson(ctx: IngestContext, dev: IngestDevice, t: number): string {
  const offer = ctx.transport.dataOffer;
  const token = dev.session.dataToken;
  if (!offer || !token) return JSON.stringify({ accepted: true, hubTimeMs: t });
  return JSON.stringify({ accepted: true, hubTimeMs: t, data: { ...offer, session: tokenToHex(token), switch: DATA_SWITCH_VERSION } });
}

export function onHello(ctx: IngestContext, sessions: Sessions, peer: Buffer, peerKey: string, f: FrameOf<FrameType.Hello>, t: number): void {
  if (!sessions.takeHello(peerKey, t)) {
    const known = sessions.byPeer(peerKey);
    return ctx.drop(known, 'HELLO_RATE', 'more than 2 HELLOs a second from one peer', known?.id ?? peerName(peer));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(f.json);
  } catch {
    return reject(ctx, peer, 'BAD_DESCRIPTOR', 'descriptor is not JSON', t);
  }
  const v = validateDescriptor(parsed);
  if (!v.ok) return reject(ctx, peer, 'BAD_DESCRIPTOR', v.error, t);
  const desc = v.value;
  let key: string | null = null;
  if (ctx.identity) {
    const who = ctx.identity.check(desc.deviceId, (parsed as { auth?: unknown }).auth);
    // A key that may not claim this deviceId (§8.3): ERROR IDENTITY_REFUSED.
    if (!who.ok) return reject(ctx, peer, 'IDENTITY_REFUSED', who.reason, t, HubErrorCode.IdentityRefused, `${desc.deviceId}: ${who.reason}`);
    key = who.key;
  }
  let dev = sessions.devices.get(desc.deviceId);
  if (dev && dev.session.peerKey === peerKey && t - dev.session.lastHelloHubMs < REPEAT_HELLO_MS) {
    dev.streams.hello();
    ctx.transport.send(peer, encodeHelloAck({ seq: 0, tDeviceMs: t }, ackJson(ctx, dev, t)));
    return;
  }
  if (!dev) {
    const why = sessions.refusal(desc);
    if (why) return reject(ctx, peer, 'TOO_MANY_DEVICES', why, t);
  }
  // A peer that introduced itself as another device before: that device loses its link.
  const previous = sessions.byPeer(peerKey);
  if (previous && previous.id !== desc.deviceId) {
    previous.session.unlink();
    setLinkState(ctx, previous, 'offline', t, `its link now speaks for ${desc.deviceId}`);
  }
  const budgets = budgetsFor(desc, ctx.config.floodFactor, t);
  // The same connection under a new name keeps what it has used of its budgets.
  if (previous && previous !== dev) previous.flood.passOn(budgets, t);
  if (!dev) {
    dev = new IngestDevice(new DeviceSession(desc, peer, peerKey, t, sessions.nextSlot), budgets, ctx, t);
    sessions.add(dev);
    sessions.bind(dev, peerKey);
  } else {
    const s = dev.session;
    const restarted = s.peerKey !== peerKey;
    s.describe(desc);
    sessions.bind(dev, peerKey);
    s.peerKey = peerKey;
    s.peer = peer;
    s.lastHelloHubMs = t;
    dev.link.lastHeardHubMs = t;
    dev.flood.rebudget(budgets);
    // A new session gets a new data-channel token; the same session keeps its own (frames in flight stay valid).
    if (restarted || !s.dataToken) s.renewToken();
    if (restarted) {
      // A new process (or a device without a stable routing id): its clock and sequence numbers start over.
      dev.sync.restart();
      dev.streams.restart();
    }
    // Same routing id: the same session after a link cut (numbers continue and show what was lost), or a
    // device restarted with a routing id it derives from its serial number (numbers start over): §7.1.
    else dev.streams.hello();
  }
  dev.session.key = key;
  ctx.transport.send(peer, encodeHelloAck({ seq: 0, tDeviceMs: t }, ackJson(ctx, dev, t)));
  // The clock has UNSYNC_AFTER_MS from this HELLO to be answered (a device already shown unsynchronised stays so).
  dev.sync.sinceHubMs = t;
  sendSync(ctx, dev, t);
  ctx.out.deviceOnline(desc, t);
  setLinkState(ctx, dev, 'online', t, 'hello accepted', true);
}
