/**
 * HL7 v2 gateway benchmark (issue 16): PCD-01 observations per second through the MLLP listener
 * with ACKs, and ACK latency, against a baseline measured in the same run: the same listener,
 * socket and messages with a handler that only returns a fixed ACK (MLLP framing and TCP, no
 * parsing, mapping or bus). Goals: 500 OBX observations/s with ACK p99 at most 20 ms.
 *
 * A sender in this process sends reports of 10 numeric OBX each, original mode (the next report
 * after the ACK of the last, as monitor gateways do), first paced at 500 observations/s, then as
 * fast as ACKs come back; the hub (BusServer + Hub, in this process) must receive every
 * observation. Exports run() for bench/gateways.ts; `tsx bench/gateways-hl7.ts` prints one JSON
 * line last.
 */
import { BusServer } from '../native-bridge/node/bus-server';
import { Hub } from '../main/hub/hub';
import type { HubSink } from '../main/hub/sink';
import { MDC } from '../native-bridge/common/mdc';
import { formatHl7Time } from '../native-bridge/common/hl7-time';
import { mdcUnitOfUcum } from '../native-bridge/common/mdc-units';
import { Hl7Gateway } from '../native-bridge/node/gateways/hl7/gateway';
import { MllpListener } from '../native-bridge/node/gateways/hl7/mllp-listener';
import { MllpPeer, report } from '../native-bridge/node/gateways/hl7/testing/mllp-peer';
import { quantiles } from './lib';

const OBX_PER_REPORT = 10;
const TERMS = [MDC.HR, MDC.SPO2, MDC.PR, MDC.ABP_SYS, MDC.ABP_DIA, MDC.ABP_MEAN, MDC.NIBP_SYS, MDC.ETCO2, MDC.RESP_RATE, MDC.TEMP];
const unit = (ucum: string, mdc: string) => {
  const u = mdcUnitOfUcum(ucum, mdc)!;
  return `${u.code}^${u.mdc}^MDC`;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function message(i: number): string {
  const t = formatHl7Time(Date.now());
  const obx = TERMS.slice(0, OBX_PER_REPORT).map(
    (m, k) => `OBX|${k + 2}|NM|${m.code}^${m.mdc}^MDC|1.1.${k + 1}.1|${60 + ((i + k) % 40)}|${unit(m.unit, m.mdc)}|||||R|||${t}`,
  );
  return report({ id: `B${i}`, msh7: t, obx });
}

/** Sends `count` reports one after another (paced to `perS` reports/s when given); returns ACK latencies (ms) and the elapsed time. */
async function drive(port: number, count: number, perS?: number): Promise<{ lat: number[]; seconds: number }> {
  const peer = await MllpPeer.connect(port);
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    if (perS) {
      const due = t0 + (i * 1000) / perS;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const s = performance.now();
    const ack = await peer.exchange(message(i));
    lat.push(performance.now() - s);
    if (!/\rMSA\|AA\|/.test(ack)) throw new Error(`report ${i} not accepted: ${ack.replace(/\r/g, ' | ')}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  peer.close();
  return { lat, seconds };
}

export async function run(): Promise<Record<string, number>> {
  // Baseline: framing and ACK only.
  const fixedAck = 'MSH|^~\\&|B||||20260101000000||ACK|1|P|2.6\rMSA|AA|1';
  const echo = new MllpListener({ port: 0 }, () => fixedAck);
  const echoPort = await echo.listen();
  await drive(echoPort, 200);
  const base = await drive(echoPort, 3000);
  await echo.close();

  const bus = new BusServer({ endpoint: 'tcp://127.0.0.1:0' });
  const ep = await bus.bind();
  const hub = new Hub(bus, { log: () => {} });
  let received = 0;
  const noop = () => {};
  const count = () => received++;
  const sink: HubSink = { deviceOnline: noop, deviceState: noop, wave: noop, numeric: count, setting: noop, alarm: noop, pose: noop, event: noop, gap: noop };
  hub.addSink(sink);
  hub.start();
  void bus.serve(hub);
  const gw = new Hl7Gateway({ bus: ep, listen: 0, theatre: 'OR3' });
  const port = await gw.start();
  await drive(port, 200); // warm-up (device HELLO, clock sync, JIT)
  const paced = await drive(port, 1000, 500 / OBX_PER_REPORT); // 500 observations/s for 20 s
  const arrived = async (n: number) => {
    const end = Date.now() + 10000;
    while (received < n && Date.now() < end) await sleep(50);
    return received;
  };
  const pacedSent = (200 + 1000) * OBX_PER_REPORT;
  const pacedReceived = await arrived(pacedSent);
  const fast = await drive(port, 3000);
  const sent = pacedSent + 3000 * OBX_PER_REPORT;
  await arrived(sent);
  await gw.close();
  hub.stop();
  bus.close();

  const { p50, p99 } = quantiles(paced.lat);
  const { p50: fp50, p99: fp99 } = quantiles(fast.lat);
  const { p50: bp50, p99: bp99 } = quantiles(base.lat);
  const obsPerS = (fast.lat.length * OBX_PER_REPORT) / fast.seconds;
  const echoObsPerS = (base.lat.length * OBX_PER_REPORT) / base.seconds;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    hl7_paced_obs_per_s: r3((paced.lat.length * OBX_PER_REPORT) / paced.seconds),
    hl7_paced_ack_p50_ms: r3(p50),
    hl7_paced_ack_p99_ms: r3(p99),
    hl7_max_obs_per_s: Math.round(obsPerS),
    hl7_max_ack_p50_ms: r3(fp50),
    hl7_max_ack_p99_ms: r3(fp99),
    hl7_echo_obs_per_s: Math.round(echoObsPerS),
    hl7_echo_ack_p50_ms: r3(bp50),
    hl7_echo_ack_p99_ms: r3(bp99),
    hl7_vs_echo_throughput_ratio: r3(obsPerS / echoObsPerS),
    hl7_paced_delivered_to_hub_ratio: r3(pacedReceived / pacedSent),
    hl7_delivered_to_hub_ratio: r3(received / sent),
  };
}

if (require.main === module) {
  run().then(
    (r) => {
      console.log(JSON.stringify(r));
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
