/**
 * The hand-written parts of docs/display-api.md (scripts/display-api-doc.ts puts the generated
 * route and type reference after them). The worked example between the example markers is run
 * against a real hub by e2e/display-api-example.test.ts.
 */

export const DOC_INTRO = `# OR Hub display API (HTTP)

<!-- Generated from common/display-api.ts by scripts/display-api-doc.ts: do not edit by hand; run "npm run docs:api". -->

The hub serves the display and this API on one HTTP port (\`or-hub start\` prints \`display: URL\`; by default
\`http://127.0.0.1:PORT/#token=TOKEN\`, loopback only). Requests and answers are JSON (\`Content-Type: application/json\`),
except the volume voxels (\`application/octet-stream\`). Times are hub time: Unix milliseconds on the hub's clock.
Live data (waveforms, numerics, alarms, device states) is not polled here: it streams over the display WebSocket
(common/display-contract.ts). This page is the HTTP half of that contract, version {CONTRACT_VERSION}.

## The session token

Every \`/api/\` request carries the hub's session token in an \`Authorization\` header:

\`\`\`
Authorization: Bearer TOKEN
\`\`\`

Without it, or with a wrong one, the hub answers \`401 {"error": "missing or wrong session token"}\`.

- **Where the token comes from.** \`or-hub start\` prints the display URL with the token in its fragment:
  \`display: http://127.0.0.1:PORT/#token=TOKEN\`. The same URL and token are in \`DATA_DIR/hub.json\`
  (\`{"url", "token", "pid"}\`, readable by the hub's user only) for tools on the same machine. A new token is made at
  every hub start.
- **The fragment → header flow (the display).** A browser never sends a URL's fragment to the server, so the token
  stays out of request lines, proxy and server logs. The display's script reads \`#token=\` from \`location.hash\`,
  keeps it in \`sessionStorage\` (so a reload keeps working), and sends it as \`Authorization: Bearer\` on every API
  call (renderer/src/api.ts).
- **Do not put the token in a query string** (\`?token=\`): it ends up in logs. The display's WebSocket still opens
  \`/ws?token=TOKEN\` today; it moves to a header or the socket's first message (issue 12 §5), and the API's
  \`?token=\` fallback goes with it.

## Contract version

The hub and the display share \`CONTRACT_VERSION\` (now {CONTRACT_VERSION}, common/display-contract.ts). The hub says its
version in \`GET /api/status\` (\`version\`) and in the WebSocket's first message (\`{"t": "hello", "version": N}\`). A
display of another version shows a persistent banner "display vX, hub vY: reload or update" and interprets nothing
the hub sends until a hub of its own version answers. An integration should check \`version\` the same way.

## Worked example: start a case, add an annotation, read the status

Set \`HUB\` to the display URL's origin and \`TOKEN\` to what follows \`#token=\`:

<!-- example:start -->
\`\`\`sh
HUB=http://127.0.0.1:8080
TOKEN=the-token-after-hash-token
AUTH="Authorization: Bearer $TOKEN"

# 1. Start a case: it records from now on. Answers 201 with the case (id, state "recording", team...).
curl -sS --fail-with-body -w '\\n' -X POST "$HUB/api/case" -H "$AUTH" -H 'Content-Type: application/json' \\
  -d '{"procedure": "Laparoscopic cholecystectomy", "room": "OR 1",
       "team": [{"role": "surgeon", "name": "Dr A Surgeon"}, {"role": "scrub-nurse", "name": "B Nurse"}]}'

# 2. Add an annotation: an incision marker 2 minutes ago, by the surgeon. Answers 201 once it is on disk:
#    {"entryId": "...", "version": 1, "seq": 1, "tMs": 1733300000000, "hash": "..."}
curl -sS --fail-with-body -w '\\n' -X POST "$HUB/api/annotations" -H "$AUTH" -H 'Content-Type: application/json' \\
  -d '{"kind": "incision", "role": "surgeon", "agoMs": 120000}'

# 3. Read the status: {"version": {CONTRACT_VERSION}, "hubId": "...", "devices": [...], "alarms": [...], "bus": {...}}
curl -sS --fail-with-body -w '\\n' "$HUB/api/status" -H "$AUTH"
\`\`\`
<!-- example:end -->

\`GET /api/case\` tells whether a case is active and which annotation kinds this hub offers (\`presets\`); a second
\`POST /api/case\` while one is active answers \`409\` with \`"code": "REC_CASE_ACTIVE"\`; \`POST /api/case/end\` ends it.
A request with a missing or wrong field answers \`400\` with a message that names the field, e.g.
\`{"error": "role is required (text)"}\`.`;

export const DOC_TYPES_INTRO = 'The named types the answers use (common/*.ts). `?` marks a field that may be absent.';
