/**
 * OpenIGTLink section of `npm run bench:gateways`: the same poses sent (a) natively on the
 * bus by a DeviceClient and (b) as OpenIGTLink TRANSFORM messages through the gateway (its
 * own process, `or-hub gateway openigtlink --listen`), both from this process, to one hub
 * and read back by one display client. Reports throughput (poses/s a display client receives
 * when the senders go flat out) and latency sender → display at 1,000 poses/s (4 tools at
 * 250 Hz, one message per pose), and the gateway/native ratios. Goals (issue 16): 1,000
 * poses/s through the gateway, at most 1 ms added p99.
 */
import net from 'node:net';
import { run, startHub } from '../e2e/harness';
import { DisplayClient, waitFor } from '../e2e/bus-display-client';
import { DeviceClient } from '../native-bridge/node/device-client';
import type { DeviceDescriptor } from '../native-bridge/common/descriptor';
import { encodeMessage, transformBody } from '../native-bridge/common/openigtlink/encode';
import { quantiles, sleep } from './lib';

const TOOLS = ['ToolA', 'ToolB', 'ToolC', 'ToolD'];
const RATE_HZ = 1000;
const now = () => performance.timeOrigin + performance.now();

/** A pose whose translation x carries its index, so the display side can find its send time. */
const matrix = (i: number) => Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, i, 0, 0, 1]);

interface Sender {
  send(tool: number, i: number): void;
  flush?(): void;
}

/** Paced run: `perSec` poses/s round-robin over the tools for `seconds`; returns latencies sender → display, ms. */
async function paced(display: DisplayClient, deviceId: string, sender: Sender, perSec: number, seconds: number, base: number): Promise<number[]> {
  const sentAt = new Map<number, number>();
  const lat: number[] = [];
  display.onPose = (p) => {
    const t = sentAt.get(Math.round(p.matrix[12]));
    if (t !== undefined) lat.push(p.tRecvMs - t);
  };
  const n = perSec * seconds;
  const t0 = performance.now();
  for (let i = 0; i < n;) {
    const due = Math.floor(((performance.now() - t0) * perSec) / 1000);
    for (; i < Math.min(due, n); i++) {
      sentAt.set(base + i, now());
      sender.send(i % TOOLS.length, base + i);
    }
    sender.flush?.();
    await new Promise((r) => setImmediate(r));
  }
  await waitFor(() => lat.length >= n, `${n} paced poses of ${deviceId}`, 10_000).catch(() => undefined);
  display.onPose = null;
  return lat;
}

/** Flat out: `n` poses as fast as the sender takes them; returns poses/s received by the display. */
async function blast(display: DisplayClient, sender: Sender, n: number, base: number): Promise<number> {
  let got = 0;
  let last = 0;
  display.onPose = (p) => {
    if (p.matrix[12] >= base && p.matrix[12] < base + n) {
      got++;
      last = performance.now();
    }
  };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    sender.send(i % TOOLS.length, base + i);
    if (i % 200 === 199) {
      sender.flush?.();
      await new Promise((r) => setImmediate(r));
    }
  }
  sender.flush?.();
  await waitFor(() => got >= n, `${n} blasted poses`, 30_000).catch(() => undefined);
  display.onPose = null;
  return (got / (last - t0)) * 1000;
}

export async function runOpenIgtlinkBench(): Promise<Record<string, number>> {
  const hub = await startHub();
  const display = await DisplayClient.connect(hub.origin, hub.token);
  const gw = run(['gateway', 'openigtlink', '--bus', hub.bus, '--listen', '0', '--device-id', 'bench-igtl', '--rate-hz', String(RATE_HZ)]);
  try {
    const port = Number(await gw.waitFor(/listening on 127\.0\.0\.1:(\d+)/));
    // Native: the same tools as pose channels of a bus device.
    const desc: DeviceDescriptor = {
      protocol: 1,
      deviceId: 'bench-native',
      kind: 'navigation-tracker',
      manufacturer: 'bench',
      model: 'native',
      serial: '1',
      heartbeatMs: 1000,
      channels: TOOLS.map((label, index) => ({ index, kind: 'pose', mdc: 'MDC_NAV_POSE_INSTRUMENT', label, unit: 'mm', rateHz: RATE_HZ })),
    };
    const native = new DeviceClient({ endpoint: hub.bus, descriptor: desc });
    native.start();
    let batch: Parameters<DeviceClient['sendPoses']>[0] = [];
    const nativeSender: Sender = {
      send: (tool, i) => batch.push({ channel: tool, status: 0, quality: 1, tMs: native.clock(), matrix: matrix(i) }),
      flush: () => {
        for (let k = 0; k < batch.length; k += 1024) native.sendPoses(batch.slice(k, k + 1024));
        batch = [];
      },
    };
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    await new Promise((r) => sock.once('connect', r));
    let out: Uint8Array[] = [];
    const igtlSender: Sender = {
      send: (tool, i) => out.push(encodeMessage({ type: 'TRANSFORM', deviceName: TOOLS[tool], tSenderMs: now() }, transformBody(matrix(i)))),
      flush: () => {
        if (out.length) sock.write(Buffer.concat(out));
        out = [];
      },
    };
    // Warm up: both devices known to the display with all their channels.
    for (let i = 0; i < 8; i++) {
      nativeSender.send(i % 4, -1);
      igtlSender.send(i % 4, -1);
    }
    nativeSender.flush!();
    igtlSender.flush!();
    await waitFor(
      () => display.devices.get('bench-igtl')?.channels.filter((c) => c.kind === 'pose').length === 4 && display.devices.get('bench-native'),
      'both devices on the display',
      10_000,
    );
    await sleep(1500);
    const latNative = await paced(display, 'bench-native', nativeSender, 1000, 5, 1_000_000);
    const latGw = await paced(display, 'bench-igtl', igtlSender, 1000, 5, 2_000_000);
    const tpNative = await blast(display, nativeSender, 20_000, 3_000_000);
    await sleep(500);
    const tpGw = await blast(display, igtlSender, 20_000, 4_000_000);
    const qn = quantiles(latNative);
    const qg = quantiles(latGw);
    sock.destroy();
    await native.stop();
    display.close();
    return {
      igtl_paced_poses: qg.n,
      native_paced_poses: qn.n,
      igtl_latency_p50_ms: qg.p50,
      igtl_latency_p99_ms: qg.p99,
      native_latency_p50_ms: qn.p50,
      native_latency_p99_ms: qn.p99,
      igtl_added_p50_ms: qg.p50 - qn.p50,
      igtl_added_p99_ms: qg.p99 - qn.p99,
      igtl_latency_p99_ratio: qg.p99 / qn.p99,
      igtl_throughput_poses_per_s: Math.round(tpGw),
      native_throughput_poses_per_s: Math.round(tpNative),
      igtl_throughput_ratio: tpGw / tpNative,
    };
  } finally {
    await gw.kill();
    await hub.kill();
  }
}

/** The entry point bench/gateways.ts calls in every bench/gateways-*.ts module. */
export { runOpenIgtlinkBench as run };
