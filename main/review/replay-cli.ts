/**
 * `or-hub replay RECORDING --bus ENDPOINT [--speed K] [--from T --to T] [--devices LIST] [--keys FILE]`:
 * plays a recording onto a hub's bus as if its devices were live (main/review/replay.ts).
 */
import fs from 'node:fs';
import { UsageError, defineCommand } from '../cli/command';
import { checkEndpoint } from '../cli/checks';
import { readDeviceKeyFile } from '../../native-bridge/node/key-store';
import { RecordingStore } from '../recorder/store';
import { MAX_SPEED, Replayer, ReplayError } from './replay';
import { parseInstant, TimeArgError } from './time-arg';

export const replayCommand = defineCommand({
  name: 'replay',
  summary: "play a recording onto a hub's bus as if its devices were live",
  description: "Plays a recording (.orrec file) onto a hub's bus as if its devices were live: same descriptors and rates, times shifted to now.",
  options: {
    bus: { type: 'string', help: 'hub bus endpoint to play onto', metavar: 'ENDPOINT', check: checkEndpoint, required: 'the hub prints it as "bus: ..."' },
    speed: {
      type: 'string',
      help:
        'play K times faster than real time (the devices\' clocks run K times fast, as with "or-hub simulate --speed"); ' +
        "at most 3, the hub's flood budget (docs/device-protocol.md §7.3)",
      metavar: 'K',
      default: '1',
      check: (v: string) =>
        /^\d+(\.\d+)?$/.test(v) && Number(v) >= 0.1 && Number(v) <= MAX_SPEED
          ? null
          : `must be a number between 0.1 and ${MAX_SPEED} (faster, the hub throttles the devices as flooding), got "${v}"`,
    },
    from: { type: 'string', help: 'start here: ISO date-time, Unix ms, or offset from the case start (+10m, 1:20:00)', metavar: 'T' },
    to: { type: 'string', help: 'stop here (same forms as --from)', metavar: 'T' },
    devices: { type: 'string', help: 'comma-separated device ids of the recording to replay (default all)', metavar: 'LIST' },
    keys: { type: 'string', help: 'device key file for a CURVE bus (made by "or-hub keys enrol NAME")', metavar: 'FILE' },
    json: { type: 'boolean', help: 'print the summary as one JSON object' },
  },
  positionals: [{ name: 'RECORDING', help: 'the recording file (DATA_DIR/recordings/ID.orrec)', required: true }],
  async run({ values: f, positionals: [file], out, err }) {
    if (!fs.existsSync(file)) throw new UsageError(`no recording file ${file}`);
    const curve = f.keys ? readDeviceKeyFile(f.keys) : undefined;
    const store = RecordingStore.open(file, { readonly: true });
    try {
      const info = store.caseInfo();
      const start = info.startedMs ?? info.createdMs;
      let replayer: Replayer;
      try {
        const fromMs = f.from === undefined ? undefined : parseInstant(f.from, start, '--from');
        const toMs = f.to === undefined ? undefined : parseInstant(f.to, start, '--to');
        replayer = new Replayer(store, { endpoint: f.bus, speed: Number(f.speed), fromMs, toMs, devices: f.devices?.split(',').filter(Boolean), curve });
      } catch (e) {
        if (e instanceof TimeArgError || e instanceof ReplayError) throw new UsageError(e.message);
        throw e;
      }
      const s0 = replayer.stats;
      await replayer.start();
      out(
        `replaying ${info.id} (${s0.devices} devices, ${new Date(s0.fromMs).toISOString()} .. ${new Date(s0.toMs).toISOString()}) at ${f.speed}x onto ${f.bus}`,
      );
      const onSignal = () => void replayer.stop();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const s = await replayer.done;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (f.json) out(JSON.stringify(s));
      else
        out(
          `replayed: ${s.waveSamples} wave samples, ${s.numerics} numerics, ${s.poses} poses, ${s.settings} settings, ` +
            `${s.alarms} alarm changes, ${s.events} events in ${s.frames} frames`,
        );
      return 0;
    } catch (e) {
      if (e instanceof ReplayError) {
        err(`or-hub replay: ${e.message}`);
        return 1;
      }
      throw e;
    } finally {
      store.close();
    }
  },
});
