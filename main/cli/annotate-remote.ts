/**
 * `or-hub annotate` while a hub is running on the data dir: the entry goes through the hub's
 * API (the hub's recorder owns the annotation chain), so it is acknowledged once committed
 * and appears on every display at once. Without a running hub the recorder CLI writes directly.
 */
import { parseArgs, UsageError, type FlagSpec } from './args';
import { readHubFile } from '../hub/hub-file';
import { parseDurationMs, INTEGRATION_ROLE } from '../recorder/annotations';

const FLAGS = {
  'data-dir': { type: 'string', help: 'data dir of the running hub', metavar: 'DIR' },
  case: { type: 'string', help: 'case id (must be the hub\'s active case)', metavar: 'ID' },
  kind: { type: 'string', help: 'preset kind, note, bolus or blood-loss', metavar: 'KIND' },
  text: { type: 'string', help: 'free text', metavar: 'TEXT' },
  drug: { type: 'string', help: 'bolus drug', metavar: 'NAME' },
  dose: { type: 'string', help: 'bolus dose', metavar: 'N' },
  unit: { type: 'string', help: 'bolus unit', metavar: 'U' },
  ml: { type: 'string', help: 'blood loss, mL', metavar: 'N' },
  ago: { type: 'string', help: 'back-date, e.g. 2m', metavar: 'DURATION' },
  role: { type: 'string', help: 'team role', metavar: 'ROLE' },
  name: { type: 'string', help: 'name', metavar: 'NAME' },
  json: { type: 'bool', help: 'print the acknowledgement as JSON' },
} satisfies Record<string, FlagSpec>;

function num(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`or-hub annotate: --${flag} must be a number, not "${v}"`);
  return n;
}

/** Returns the exit code, or null when no hub is running on that data dir (caller falls back). */
export async function annotateViaHub(argv: string[], out: (l: string) => void): Promise<number | null> {
  if (argv.includes('--help') || argv.includes('-h')) return null;
  const p = parseArgs('or-hub annotate', argv, FLAGS);
  const dir = p.flags['data-dir'];
  if (!dir) return null;
  const hub = readHubFile(dir);
  if (!hub) return null;
  const f = p.flags;
  if (!f.kind) throw new UsageError('or-hub annotate: --kind is required');
  const origin = new URL(hub.url).origin;
  const auth = { Authorization: `Bearer ${hub.token}` };
  const cur = (await (await fetch(`${origin}/api/case`, { headers: auth })).json()) as { case: { id: string; state: string } | null };
  if (!cur.case) throw new Error(`the hub on ${dir} has no active case`);
  if (f.case && f.case !== cur.case.id) throw new Error(`case ${f.case} is not the hub's active case (${cur.case.id})`);
  const agoMs = f.ago === undefined ? undefined : parseDurationMs(f.ago);
  if (f.ago !== undefined && agoMs === undefined) throw new UsageError(`or-hub annotate: --ago must be a duration like 2m, 90s or 1h30m, not "${f.ago}"`);
  const body = {
    kind: f.kind,
    role: f.role ?? INTEGRATION_ROLE,
    name: f.name ?? (f.role === undefined ? 'terminal' : undefined),
    text: f.text,
    drug: f.drug,
    dose: num(f.dose, 'dose'),
    unit: f.unit,
    bloodLossMl: num(f.ml, 'ml'),
    agoMs,
  };
  const res = await fetch(`${origin}/api/annotations`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const ack = (await res.json()) as { error?: string; entryId?: string; tMs?: number; seq?: number };
  if (!res.ok) {
    if (res.status === 400 || res.status === 409) throw new UsageError(`or-hub annotate: ${ack.error}`);
    throw new Error(ack.error ?? `hub answered ${res.status}`);
  }
  if (f.json) out(JSON.stringify(ack));
  else out(`annotated ${f.kind} at ${new Date(ack.tMs!).toISOString()} as entry ${ack.entryId} (seq ${ack.seq}) via the running hub`);
  return 0;
}
