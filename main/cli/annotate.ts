/**
 * `or-hub annotate`. While a hub is running on the data dir, the entry goes through the hub's
 * API (the hub's recorder owns the annotation chain), so it is acknowledged once committed
 * and appears on every display at once. Without a running hub the recorder CLI writes the
 * recording directly (main/recorder/cli.ts). Both take the same flags (ANNOTATE_OPTIONS).
 */
import { UsageError, defineCommand, type Out } from './command';
import { readHubFile } from '../hub/hub-file';
import { ANNOTATE_DESCRIPTION, annotateFileCommand, annotationInput, printAnnotationAck, type AnnotateValues } from '../recorder/cli';
import type { AnnotationAck } from '../recorder/annotations';

/** Returns the exit status, or null when no hub is running on that data dir (the caller writes the file). */
export async function annotateViaHub(f: AnnotateValues, out: Out): Promise<number | null> {
  const dir = f['data-dir'];
  const hub = readHubFile(dir);
  if (!hub) return null;
  const origin = new URL(hub.url).origin;
  const auth = { Authorization: `Bearer ${hub.token}` };
  const cur = (await (await fetch(`${origin}/api/case`, { headers: auth })).json()) as { case: { id: string; state: string } | null };
  if (!cur.case) throw new Error(`the hub on ${dir} has no active case`);
  if (f.case && f.case !== cur.case.id) throw new Error(`case ${f.case} is not the hub's active case (${cur.case.id})`);
  const body = annotationInput(f);
  const res = await fetch(`${origin}/api/annotations`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const ack = (await res.json()) as Partial<AnnotationAck> & { error?: string };
  if (!res.ok) {
    if (res.status === 400 || res.status === 409) throw new UsageError(ack.error ?? `hub answered ${res.status}`);
    throw new Error(ack.error ?? `hub answered ${res.status}`);
  }
  printAnnotationAck(f, ack as AnnotationAck, out, ' via the running hub');
  return 0;
}

export const annotateCommand = defineCommand({
  ...annotateFileCommand,
  description: `${ANNOTATE_DESCRIPTION}\nWith a hub running on DIR the entry goes through the hub (--case may then be omitted: the active case).`,
  async run(ctx) {
    return (await annotateViaHub(ctx.values, ctx.out)) ?? annotateFileCommand.run(ctx);
  },
});
