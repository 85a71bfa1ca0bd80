/**
 * Handlers of the review screen's HTTP routes, as plain functions (params in, `{status, body}`
 * out) for the hub's route table to call; proposed routes in docs/review.md. Every body is
 * plain JSON: typed arrays become arrays, NaN (an empty column) becomes null.
 *
 * ReviewService keeps a few ReviewSessions open (one per case, least recently used closed
 * first, idle ones closed after a while), each on a read-only connection to its case file.
 */
import fs from 'node:fs';
import { StoreError, recordingPath } from '../recorder/store';
import { type CatalogueQuery, searchRecordings } from './catalogue';
import { type InstantState, type Overview, ReviewError, ReviewSession, type WaveRun, waveChannel } from './session';
import { parseInstant, TimeArgError } from './time-arg';
import { CommentLedger } from './comment-ledger';
import type { ReviewCommentRequest } from '../../common/review-contract';

export type RouteResult<T> = { status: 200; body: T } | { status: 400 | 404 | 500; body: { error: string; code: string } };

/** Query values as they come from a URL (strings) or from a validated table (numbers). */
type Param = string | number | undefined;

export interface ReviewServiceOptions {
  dataDir: string;
  /** Default: DATA_DIR/review-cache (ReviewSession's default). */
  cacheDir?: string;
  maxSessions?: number;
  /** Close a session unused this long, ms. Default 5 min. */
  idleMs?: number;
}

const fail = (status: 400 | 404 | 500, error: string, code: string): RouteResult<never> => ({ status, body: { error, code } });

const arr = (a: ArrayLike<number>): (number | null)[] => Array.from(a, (x) => (Number.isNaN(x) ? null : x));

const runJson = (r: WaveRun) => ({ t0Ms: r.t0Ms, stepMs: r.stepMs, scale: r.scale, offset: r.offset, raw: Array.from(r.raw) });

export type OverviewBody = Omit<Overview, 'trends'> & {
  trends: (Omit<Overview['trends'][number], 'min' | 'max'> & { min: (number | null)[]; max: (number | null)[] })[];
};
export type StateBody = Omit<InstantState, 'waves'> & { waves: (Omit<InstantState['waves'][number], 'runs'> & { runs: ReturnType<typeof runJson>[] })[] };

export class ReviewService {
  private readonly sessions = new Map<string, { s: ReviewSession; usedMs: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: ReviewServiceOptions) {
    this.timer = setInterval(() => this.closeIdle(), 30000);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    for (const { s } of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  private closeIdle(): void {
    const now = Date.now();
    for (const [id, e] of this.sessions) {
      if (now - e.usedMs > (this.opts.idleMs ?? 300000)) {
        e.s.close();
        this.sessions.delete(id);
      }
    }
  }

  /** The open session of a case, opening it (read-only) when needed. */
  session(caseId: string): ReviewSession {
    const hit = this.sessions.get(caseId);
    if (hit) {
      hit.usedMs = Date.now();
      return hit.s;
    }
    const file = recordingPath(this.opts.dataDir, caseId);
    if (!fs.existsSync(file)) throw new StoreError(`no recording ${caseId}`, 'REC_NOT_FOUND');
    const s = ReviewSession.open(file, { cacheDir: this.opts.cacheDir });
    this.sessions.set(caseId, { s, usedMs: Date.now() });
    const max = this.opts.maxSessions ?? 4;
    while (this.sessions.size > max) {
      const [oldest] = [...this.sessions].sort((a, b) => a[1].usedMs - b[1].usedMs)[0];
      this.sessions.get(oldest)!.s.close();
      this.sessions.delete(oldest);
    }
    return s;
  }

  /** Runs a handler, turning known errors into 400/404 answers. */
  private guard<T>(f: () => T): RouteResult<T> {
    try {
      return { status: 200, body: f() };
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'REVIEW';
      if (e instanceof ReviewError || e instanceof TimeArgError) return fail(400, e.message, e instanceof TimeArgError ? 'REVIEW_BAD_TIME' : code);
      if (e instanceof StoreError) return fail(code === 'REC_NOT_FOUND' ? 404 : 400, e.message, code);
      return fail(500, `review: ${(e as Error).message}`, 'REVIEW_INTERNAL');
    }
  }

  /** GET /api/review/recordings */
  listRecordings(q: { from?: Param; to?: Param; room?: string; procedure?: string; member?: string; marker?: string; state?: string }) {
    return this.guard(() => {
      const query: CatalogueQuery = { room: q.room, procedure: q.procedure, member: q.member, markerKind: q.marker };
      if (q.from !== undefined) query.fromMs = parseInstant(String(q.from), 0, 'from');
      if (q.to !== undefined) query.toMs = parseInstant(String(q.to), 0, 'to');
      if (q.state !== undefined) {
        if (!['created', 'recording', 'ended'].includes(q.state))
          throw new ReviewError(`state must be created, recording or ended, got "${q.state}"`, 'REVIEW_BAD_STATE');
        query.state = q.state as CatalogueQuery['state'];
      }
      return searchRecordings(this.opts.dataDir, query);
    });
  }

  /** GET /api/review/recordings/:id */
  recording(p: { id: string }) {
    return this.guard(() => {
      const s = this.session(p.id);
      return { case: s.caseNow(), span: s.span(), channels: s.channels, devices: s.descriptors, trends: s.trends };
    });
  }

  /** GET /api/review/recordings/:id/overview?width=W[&from=T&to=T][&budget=MS|all]: `budget` caps the time spent building the cache. */
  overview(p: { id: string; width: Param; from?: Param; to?: Param; budget?: Param }): RouteResult<OverviewBody> {
    return this.guard(() => {
      const s = this.session(p.id);
      const start = s.span().fromMs;
      const budget = p.budget === undefined ? undefined : p.budget === 'all' ? Infinity : Number(p.budget);
      if (budget !== undefined && !(budget >= 0)) throw new ReviewError(`overview: budget must be ms or "all", got "${p.budget}"`, 'REVIEW_BAD_BUDGET');
      const ov = s.overview({
        buildBudgetMs: budget,
        width: Number(p.width),
        fromMs: p.from === undefined ? undefined : parseInstant(String(p.from), start, 'from'),
        toMs: p.to === undefined ? undefined : parseInstant(String(p.to), start, 'to'),
      });
      return { ...ov, trends: ov.trends.map((t) => ({ ...t, min: arr(t.min), max: arr(t.max) })) };
    });
  }

  /** GET /api/review/recordings/:id/state?t=T[&window=MS][&waves=ID:MS,ID:MS]: `waves`, only those wave channels, each for its own window. */
  state(p: { id: string; t: Param; window?: Param; waves?: string }): RouteResult<StateBody> {
    return this.guard(() => {
      const s = this.session(p.id);
      if (p.t === undefined) throw new ReviewError('state: t (the instant) is required', 'REVIEW_BAD_TIME');
      let waves: Map<number, number> | undefined;
      if (p.waves !== undefined) {
        if (!/^\d+:\d+(,\d+:\d+)*$/.test(p.waves)) throw new ReviewError(`state: waves must be ID:MS, comma-separated, got "${p.waves}"`, 'REVIEW_BAD_CHANNEL');
        waves = new Map(p.waves.split(',').map((x) => x.split(':').map(Number) as [number, number]));
      }
      const st = s.stateAt(parseInstant(String(p.t), s.span().fromMs, 't'), p.window === undefined ? undefined : Number(p.window), waves);
      return { ...st, waves: st.waves.map((w) => ({ ...w, runs: w.runs.map(runJson) })) };
    });
  }

  /** GET /api/review/recordings/:id/waves?from=T&to=T[&channels=ID,ID]: raw waveform runs for play and zoom, at most 2 min. */
  waves(p: { id: string; from: Param; to: Param; channels?: string }) {
    return this.guard(() => {
      const s = this.session(p.id);
      const start = s.span().fromMs;
      if (p.from === undefined || p.to === undefined) throw new ReviewError('waves: from and to are required', 'REVIEW_BAD_SPAN');
      const fromMs = parseInstant(String(p.from), start, 'from');
      const toMs = parseInstant(String(p.to), start, 'to');
      if (!(toMs > fromMs && toMs - fromMs <= 120000))
        throw new ReviewError('waves: the span must be from < to, at most 2 minutes (use the overview beyond)', 'REVIEW_BAD_SPAN');
      const want = p.channels === undefined ? null : new Set(p.channels.split(',').map(Number));
      const chans = s.channels.filter((c) => c.kind === 'wave' && (!want || want.has(c.id)));
      if (want && chans.length !== want.size) throw new ReviewError(`waves: unknown wave channel in "${p.channels}"`, 'REVIEW_BAD_CHANNEL');
      return {
        fromMs,
        toMs,
        waves: chans.map((c) => ({ ...waveChannel(c), runs: s.waveRuns(c.id, fromMs, toMs).map(runJson) })),
      };
    });
  }

  /** GET /api/review/recordings/:id/comments: the reviewers' comments (review ledger, not the case file) and whether their chain checks. */
  comments(p: { id: string }) {
    return this.guard(() => {
      this.session(p.id);
      const ledger = CommentLedger.open(this.opts.dataDir, p.id);
      try {
        const comments = ledger.list();
        return { comments, chain: ledger.verify(comments) };
      } finally {
        ledger.close();
      }
    });
  }

  /** POST /api/review/recordings/:id/comments: appends a reviewer's comment to the case's review ledger. */
  addComment(p: { id: string } & ReviewCommentRequest) {
    return this.guard(() => {
      const s = this.session(p.id);
      const tMs = parseInstant(String(p.t), s.span().fromMs, 't');
      const ledger = CommentLedger.open(this.opts.dataDir, p.id);
      try {
        return ledger.add({ tMs, text: p.text, role: p.role, name: p.name });
      } finally {
        ledger.close();
      }
    });
  }
}
