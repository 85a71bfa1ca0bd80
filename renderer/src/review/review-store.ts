/**
 * The review screen's state (a store of its own, apart from the live display's): the recording
 * list, the case open for review, its overview, reviewer comments, and what was in force at the
 * instant shown. Waveform samples never go here: they go into the traces (player.ts).
 */
import { createStore } from '../create-store';
import type {
  OverviewView,
  RecordingDetailView,
  RecordingListView,
  ReviewCommentsView,
  ReviewNumericView,
  ReviewStateView,
} from '../../../common/review-contract';
import type { Speed } from './review-clock';

export type InstantView = Omit<ReviewStateView, 'waves' | 'numerics'>;

export interface ReviewState {
  list: RecordingListView | null;
  listError: string | null;
  caseId: string | null;
  detail: RecordingDetailView | null;
  overview: OverviewView | null;
  /** The span the timeline shows (hub ms). */
  view: { fromMs: number; toMs: number } | null;
  comments: ReviewCommentsView | null;
  /** What was in force at `instant.tMs` (numerics by MDC id). */
  instant: InstantView | null;
  numerics: Record<string, ReviewNumericView>;
  /** The instant shown, updated a few times a second for React (the canvases read the clock itself). */
  tMs: number;
  playing: boolean;
  speed: Speed;
  error: string | null;
}

export const reviewStore = createStore<ReviewState>({
  list: null,
  listError: null,
  caseId: null,
  detail: null,
  overview: null,
  view: null,
  comments: null,
  instant: null,
  numerics: {},
  tMs: 0,
  playing: false,
  speed: 1,
  error: null,
});

export const useReview = reviewStore.use;
