import { hasApiKey, onApiKeyChange, promptForApiKey, setApiKey } from './api';
import { announce } from './dom';
import { renderJobPage } from './job-page';
import { renderOverview } from './overview';

/**
 * The operator dashboard: a hash router over two views, the overview (`#/`) and a job (`#/jobs/<id>`).
 * Each view returns its cleanup, which stops its refresh loop or long poll.
 */
const main = document.getElementById('main') as HTMLElement;
const keyButton = document.getElementById('api-key-button') as HTMLButtonElement;
let cleanup: (() => void) | undefined;
let firstRender = true;

function navigate(hash: string): void {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function route(): void {
  cleanup?.();
  const jobId = /^#\/jobs\/([^/]+)$/.exec(location.hash)?.[1];
  if (jobId) {
    const id = decodeURIComponent(jobId);
    document.title = `Job ${id} · Jobs dashboard`;
    cleanup = renderJobPage(main, id);
  } else {
    document.title = 'Jobs dashboard';
    cleanup = renderOverview(main, navigate);
  }
  // Moving between views moves focus to the new view's heading, as a page load would.
  if (!firstRender) {
    document.getElementById('page-title')?.focus();
    window.scrollTo(0, 0);
  }
  firstRender = false;
}

function showKeyState(hasKey: boolean): void {
  keyButton.textContent = hasKey ? 'API token set · Forget' : 'Set API token';
}

keyButton.addEventListener('click', () => {
  if (hasApiKey()) {
    setApiKey(undefined);
    announce('API token forgotten');
  } else {
    void promptForApiKey().then((given) => given && announce('API token set for this tab'));
  }
});
onApiKeyChange(showKeyState);
showKeyState(hasApiKey());
window.addEventListener('hashchange', route);
route();
