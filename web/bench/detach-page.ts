// Chromium entry of the detach probe: the page's #state gets the JSON (event from ?event=).
import { detachProbe } from '../../bench/runtimes/detach-probe.js';

const event = new URLSearchParams(location.search).get('event') === 'transfer' ? 'transfer' : 'none';
detachProbe(location.origin, event).then(
  (r) => {
    document.getElementById('state')!.textContent = JSON.stringify(r);
    document.documentElement.dataset.state = 'done';
  },
  (e: unknown) => {
    document.getElementById('state')!.textContent = JSON.stringify({ error: String(e) });
    document.documentElement.dataset.state = 'error';
  },
);
