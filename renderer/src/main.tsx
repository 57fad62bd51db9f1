import './zod-csp';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectClient } from './api/connect';
import { takeToken } from './api/token';
import { App } from './app/App';
import { bindClient } from './store/bind';
import './styles/app.css';

const client = connectClient(window);
bindClient(client);

// The printed link opened again in this tab only changes the fragment (no reload): take the new
// token, scrub it from the address bar and start over with it.
window.addEventListener('hashchange', () => {
  if (!window.outflow && /(?:^#|&)token=/.test(window.location.hash)) {
    takeToken({ location: window.location, history: window.history, storage: window.sessionStorage });
    window.location.reload();
  }
});

// Come back quickly after sleep or a network change instead of waiting out the back-off.
window.addEventListener('online', () => client.reconnectNow());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') client.reconnectNow();
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
