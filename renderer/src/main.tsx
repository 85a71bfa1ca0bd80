import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { connect } from './connection';
import { setApiToken } from './api';
import { getState } from './store';
import { waveEngine } from './waves/engine';
import { hubClock } from './hub-clock';
import { displayAlarm, startLiveness } from './liveness';
import './styles.css';

/** The session token comes in the URL fragment (#token=...), never sent to the server in a request line. */
function readToken(): string | null {
  const h = new URLSearchParams(location.hash.replace(/^#/, ''));
  const t = h.get('token');
  if (t) sessionStorage.setItem('orhub-token', t);
  return t ?? sessionStorage.getItem('orhub-token');
}

const token = readToken();
if (token) {
  setApiToken(token);
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

createRoot(document.getElementById('root')!).render(<App tokenMissing={!token} />);
