import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { connect } from './connection';
import { setApiToken } from './api';
import { getState } from './store';
import { waveEngine } from './waves/engine';
import { hubClock } from './hub-clock';
import { displayAlarm, startLiveness } from './liveness';
import { ReviewApp } from './review/ReviewApp';
import './styles.css';

/** The session token comes in the URL fragment (#token=...), never sent to the server in a request line. */
function readToken(): string | null {
  const h = new URLSearchParams(location.hash.replace(/^#/, ''));
  const t = h.get('token');
  if (t) sessionStorage.setItem('orhub-token', t);
  return t ?? sessionStorage.getItem('orhub-token');
}

const token = readToken();
// The review screen (#review, #review&case=ID) reads recordings over HTTP only: no live WebSocket.
const review = new URLSearchParams(location.hash.replace(/^#/, '')).has('review');
if (token) setApiToken(token);
if (token && !review) {
  connect(token);
  startLiveness();
}

// Read-only hooks for end-to-end tests and benchmarks (no control surface).
(window as unknown as { __orhub: unknown }).__orhub = {
  state: getState,
  waves: waveEngine,
  hubNow: () => hubClock.now(),
  displayAlarm,
};

createRoot(document.getElementById('root')!).render(
  review && token ? <ReviewApp /> : <App tokenMissing={!token} onReview={() => window.open(`${location.pathname}#review&token=${token ?? ''}`, '_blank')} />,
);
