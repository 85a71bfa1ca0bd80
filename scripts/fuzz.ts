/**
 * `npm run fuzz`: the HTTP/WebSocket fuzz (20 000 requests) and the bus fuzz (100 000 frames)
 * together against one real supervised hub with its display open in Chromium. The last line of
 * output is one JSON object of the counts (docs/security.md).
 */
import { fuzzSession } from '../e2e/fuzz-session';

const n = Number(process.env.FUZZ_HTTP ?? 20_000);
const frames = Number(process.env.FUZZ_BUS ?? 100_000);
fuzzSession({ httpRequests: n, busFrames: frames, screenshot: 'fuzz-display.png' }).then(
  (r) => {
    console.log(`http: ${r.http.withoutToken.sent} requests without the token, ${r.http.withToken.sent} with it; bus: ${r.bus?.sent ?? 0} frames`);
    console.log(
      `hub restarts ${r.hubRestarts}, display checks ${r.displayChecks} (missed ${r.displayFramesMissed}), ` +
        `recording gaps ${r.recordingGaps}, contained faults ${r.status.faults.total}`,
    );
    console.log(
      JSON.stringify({
        httpRequestsSent: r.http.withoutToken.sent + r.http.withToken.sent,
        busFramesSent: r.bus?.sent ?? 0,
        hubRestarts: r.hubRestarts,
        hubAlive: r.hubAlive,
        displayChecks: r.displayChecks,
        displayFramesMissed: r.displayFramesMissed,
        recordingGaps: r.recordingGaps,
        containedFaults: r.status.faults.total,
        http5xx: r.status.http.failed,
        httpParserRefusals: r.status.http.parseErrors,
      }),
    );
    process.exit(r.hubAlive && r.hubRestarts === 0 && r.displayFramesMissed === 0 && r.recordingGaps === 0 ? 0 : 1);
  },
  (e) => {
    console.error(`fuzz: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
