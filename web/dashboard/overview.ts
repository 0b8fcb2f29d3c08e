import { JOB_STATUSES, type JobStatus } from '../../src/client/job';
import type { JobTypesSummary } from '../../src/client/job-types';
import type { JobStatusSnapshot } from '../../src/client/job-status';
import {
  ApiError,
  get,
  write,
  type BulkRetryResult,
  type JobPage,
  type JobSummary,
  type QueueConsumption,
  type QueueDepth,
  type RedriveResult,
  type Stats,
} from './api';
import { CHART_MINUTES, chartsPanel, countLiveChange, type StatsSeries } from './charts';
import { announce, formatRelative, h, replaceChildren, shortId, sleep, statusBadge, timeElement } from './dom';
import { followJobs, type LiveState } from './live';
import { submitForms } from './submit-forms';

const PAGE_SIZE = 20;
/** After a pause or resume, the queue's state is read again this often until it has settled. */
const SETTLE_INTERVAL_MS = 1_000;
const SETTLE_READS = 30;
/** Jobs created through `POST /jobs`, next to the declared types. */
const EXTERNAL_TYPE = 'external';
/** Shown even when zero; the external statuses only when some job has them. */
const MAIN_STATUSES: readonly JobStatus[] = JOB_STATUSES.filter((status) => status !== 'pending' && status !== 'done');

interface ListState {
  status: string;
  type: string;
  /** cursors[i] fetches page i + 1; cursors[0] is the first page. */
  cursors: (string | undefined)[];
}

/**
 * The overview: counts, queues, the job list and the test-job forms. Read once, then kept up to
 * date from the WebSocket API (one filter subscription per job type, so each change is known to
 * be of its type): the counts move, listed rows change in place and new jobs are prepended, with
 * no polling. Queue depths are SQS's: read on load and after each action on a queue. Returns its cleanup.
 */
export function renderOverview(main: HTMLElement, navigate: (hash: string) => void): () => void {
  const stop = new AbortController();
  const list: ListState = { status: '', type: '', cursors: [undefined] };
  let nextCursor: string | undefined;
  const lastJson = { stats: '', queues: '', jobs: '' };
  /** Every job whose status the page knows, with its type: a change moves its count from the old status to the new. */
  const known = new Map<string, { type: string; status: string; version: number }>();
  let stats: Stats | undefined;
  let liveTypes: string[] = [];

  const statsGrid = h('div', { class: 'stat-grid' }, h('p', { class: 'muted' }, 'Loading…'));
  const charts = chartsPanel();
  let series: StatsSeries | undefined;
  const queuesBody = h('tbody');
  const queueMessage = h('p', { class: 'message', role: 'status' });
  const jobsBody = h('tbody');
  const pageLabel = h('span', { class: 'muted' });
  const refreshedAt = h('span', { class: 'live state-reconnecting', id: 'live-state', role: 'status' }, 'Connecting…');
  const searchInput = h('input', {
    id: 'job-search',
    type: 'search',
    placeholder: 'Job id',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
  });
  const searchForm = h(
    'form',
    {
      class: 'job-search',
      role: 'search',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const id = searchInput.value.trim();
        if (id) navigate(`#/jobs/${encodeURIComponent(id)}`);
      },
    },
    h('label', { for: 'job-search' }, 'Find a job by id'),
    searchInput,
    h('button', { type: 'submit' }, 'Open'),
  );
  const errorBox = h('p', { class: 'message error', role: 'alert', hidden: true });
  const previousButton = h(
    'button',
    { type: 'button', class: 'secondary', onclick: () => void changePage(-1) },
    'Previous',
  );
  const nextButton = h('button', { type: 'button', class: 'secondary', onclick: () => void changePage(1) }, 'Next');

  const statusFilter = h(
    'select',
    { id: 'filter-status', onchange: () => void applyFilters() },
    h('option', { value: '' }, 'All statuses'),
    JOB_STATUSES.map((status) => h('option', { value: status }, status)),
  );
  const typeFilter = h(
    'select',
    { id: 'filter-type', onchange: () => void applyFilters() },
    h('option', { value: '' }, 'All types'),
    h('option', { value: EXTERNAL_TYPE }, EXTERNAL_TYPE),
  );
  const formGrid = h('div', { class: 'form-grid' }, h('p', { class: 'muted' }, 'Loading job types…'));

  replaceChildren(
    main,
    h('h1', { id: 'page-title', tabindex: -1 }, 'Overview'),
    searchForm,
    errorBox,
    h(
      'section',
      { 'aria-labelledby': 'counts-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'counts-title' }, 'Jobs by status'), refreshedAt),
      statsGrid,
    ),
    charts.element,
    h(
      'section',
      { 'aria-labelledby': 'queues-title' },
      h('h2', { id: 'queues-title' }, 'Queues'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'queues' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Type'),
              h('th', { scope: 'col', class: 'num' }, 'Waiting'),
              h('th', { scope: 'col', class: 'num' }, 'In flight'),
              h('th', { scope: 'col', class: 'num' }, 'Delayed'),
              h('th', { scope: 'col', class: 'num' }, 'Dead letters'),
              h('th', { scope: 'col' }, 'State'),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
            ),
          ),
          queuesBody,
        ),
      ),
      queueMessage,
    ),
    h(
      'section',
      { 'aria-labelledby': 'jobs-title' },
      h('h2', { id: 'jobs-title' }, 'Jobs'),
      h(
        'div',
        { class: 'filters' },
        h('div', { class: 'field' }, h('label', { for: 'filter-status' }, 'Status'), statusFilter),
        h('div', { class: 'field' }, h('label', { for: 'filter-type' }, 'Type'), typeFilter),
      ),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'jobs' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Job'),
              h('th', { scope: 'col' }, 'Type'),
              h('th', { scope: 'col' }, 'Status'),
              h('th', { scope: 'col', class: 'num wide-only' }, 'Attempts'),
              h('th', { scope: 'col', class: 'wide-only' }, 'Created'),
              h('th', { scope: 'col' }, 'Updated'),
            ),
          ),
          jobsBody,
        ),
      ),
      h('div', { class: 'pager' }, previousButton, pageLabel, nextButton),
    ),
    h(
      'section',
      { 'aria-labelledby': 'submit-title' },
      h('h2', { id: 'submit-title' }, 'Submit a job'),
      h('p', { class: 'muted small' }, "One form per job type the API declares, built from its payload's schema."),
      formGrid,
    ),
  );

  function showError(error: unknown): void {
    errorBox.hidden = false;
    errorBox.textContent = `Could not refresh: ${(error as Error).message}`;
  }

  /** The type filter and the submit forms follow `GET /job-types`. */
  async function loadJobTypes(): Promise<void> {
    try {
      const { jobTypes } = await get<JobTypesSummary>('/job-types', stop.signal);
      typeOptionsFor(jobTypes.map((type) => type.name));
      followTypes([...jobTypes.map((type) => type.name), EXTERNAL_TYPE]);
      replaceChildren(
        formGrid,
        jobTypes.length ? submitForms(jobTypes, navigate) : h('p', { class: 'muted' }, 'No job types are declared.'),
      );
    } catch (error) {
      if (stop.signal.aborted) return;
      replaceChildren(
        formGrid,
        h('p', { class: 'message error', role: 'alert' }, `Could not load the job types: ${(error as Error).message}`),
      );
    }
  }

  function typeOptionsFor(names: string[]): void {
    const selected = typeFilter.value;
    replaceChildren(
      typeFilter,
      h('option', { value: '' }, 'All types'),
      [...names, EXTERNAL_TYPE].map((type) => h('option', { value: type, selected: type === selected }, type)),
    );
  }

  async function loadJobs(signal?: AbortSignal): Promise<void> {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (list.status) query.set('status', list.status);
    if (list.type) query.set('type', list.type);
    const cursor = list.cursors.at(-1);
    if (cursor) query.set('cursor', cursor);
    const page = await get<JobPage>(`/jobs?${query}`, signal);
    nextCursor = page.nextCursor;
    previousButton.disabled = list.cursors.length <= 1;
    nextButton.disabled = !nextCursor;
    pageLabel.textContent = `Page ${list.cursors.length}`;
    const json = JSON.stringify(page);
    if (json === lastJson.jobs) return; // unchanged: keep the DOM (and focus) as it is
    lastJson.jobs = json;
    for (const job of page.jobs) remember(job.id, job.type, job.status, job.version);
    replaceChildren(jobsBody, page.jobs.length ? page.jobs.map(jobRow) : emptyRow(6, 'No jobs match.'));
  }

  function remember(id: string, type: string, status: string, version: number): void {
    const seen = known.get(id);
    if (!seen || seen.version < version) known.set(id, { type, status, version });
  }

  /** One subscription per type: the server's status messages do not name the type, the filter does. */
  function followTypes(types: string[]): void {
    if (liveTypes.length > 0) return;
    liveTypes = types;
    const states = new Map<string, LiveState>();
    for (const type of types) {
      followJobs(
        { type },
        (snapshot) => onChange(type, snapshot),
        (state) => {
          states.set(type, state);
          showLiveState([...states.values()], types.length);
        },
        stop.signal,
      );
    }
  }

  function showLiveState(states: LiveState[], expected: number): void {
    if (states.includes('unavailable')) {
      refreshedAt.className = 'live state-reconnecting';
      refreshedAt.textContent = 'No WebSocket API: reload to see changes';
    } else if (states.length === expected && states.every((state) => state === 'live')) {
      refreshedAt.className = 'live state-live';
      refreshedAt.textContent = 'Live';
    } else {
      refreshedAt.className = 'live state-reconnecting';
      refreshedAt.textContent = 'Connecting…';
    }
  }

  function onChange(type: string, job: JobStatusSnapshot): void {
    const seen = known.get(job.id);
    if (seen && seen.version >= job.version) return;
    known.set(job.id, { type, status: job.status, version: job.version });
    if (stats) {
      const counts = stats.counts as Record<string, Record<string, number>>;
      const move = (status: string, delta: number) => {
        const byType = (counts[status] ??= {});
        byType[type] = Math.max(0, (byType[type] ?? 0) + delta);
      };
      // A job the page never saw at an earlier version was counted under a status it cannot tell.
      if (seen) move(seen.status, -1);
      if (seen || job.version === 1) move(job.status, 1);
      renderStats(stats);
    }
    // The charts move with the same changes: no re-read of the series while the page is live.
    if (series && countLiveChange(series, type, job, seen?.status)) charts.render(series);
    const row = jobsBody.querySelector<HTMLTableRowElement>(`tr[data-job-id="${CSS.escape(job.id)}"]`);
    if (row) {
      row.querySelector('[data-cell="status"]')?.replaceChildren(statusBadge(job.status));
      row.querySelector('[data-cell="updated"]')?.replaceChildren(timeElement(job.updatedAt));
    } else if (
      job.version === 1 &&
      list.cursors.length === 1 &&
      (!list.status || list.status === job.status) &&
      (!list.type || list.type === type)
    ) {
      jobsBody.querySelector('tr:not([data-job-id])')?.remove(); // "No jobs match."
      jobsBody.prepend(liveJobRow(type, job));
      while (jobsBody.rows.length > PAGE_SIZE) jobsBody.rows[jobsBody.rows.length - 1]?.remove();
    }
    lastJson.jobs = ''; // the DOM moved on from the last page read
  }

  async function applyFilters(): Promise<void> {
    list.status = statusFilter.value;
    list.type = typeFilter.value;
    list.cursors = [undefined];
    await loadJobs().catch(showError);
  }

  async function changePage(delta: 1 | -1): Promise<void> {
    if (delta === 1 && nextCursor) list.cursors.push(nextCursor);
    else if (delta === -1 && list.cursors.length > 1) list.cursors.pop();
    else return;
    await loadJobs().catch(showError);
    announce(`Page ${list.cursors.length}`);
  }

  function filterByStatus(status: string): void {
    statusFilter.value = status;
    void applyFilters();
    document.getElementById('jobs-title')?.scrollIntoView({ block: 'start' });
  }

  async function redrive(type: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const result = await write<RedriveResult>('POST', `/queues/${type}/redrive`);
      if (!result) return;
      const text = `Redrove the ${type} DLQ: ${result.moved} moved, ${result.discarded} discarded, ${result.skipped} skipped.`;
      queueMessage.classList.remove('error');
      queueMessage.textContent = text;
    } catch (error) {
      queueMessage.classList.add('error');
      queueMessage.textContent = `Redrive failed: ${(error as Error).message}`;
    } finally {
      button.disabled = false;
    }
  }

  function renderStats(next: Stats): void {
    stats = next;
    const json = JSON.stringify(next);
    if (json === lastJson.stats) return;
    lastJson.stats = json;
    const statuses = JOB_STATUSES.filter(
      (status) => MAIN_STATUSES.includes(status) || Object.keys(next.counts[status] ?? {}).length > 0,
    );
    replaceChildren(
      statsGrid,
      statuses.map((status) => {
        const byType = next.counts[status] ?? {};
        const total = Object.values(byType).reduce((sum, n) => sum + (n ?? 0), 0);
        const breakdown = Object.entries(byType)
          .filter(([, n]) => (n ?? 0) > 0)
          .map(([type, n]) => `${type} ${n}`)
          .join(' · ');
        return h(
          'button',
          {
            type: 'button',
            class: `stat status-${status}`,
            'aria-label': `${status}: ${total} jobs${breakdown ? ` (${breakdown})` : ''}. Show them.`,
            onclick: () => filterByStatus(status),
          },
          h('span', { class: 'stat-label' }, status),
          h('span', { class: 'stat-value' }, total),
          h('span', { class: 'stat-detail' }, breakdown || 'none'),
        );
      }),
    );
  }

  function renderQueues(queues: QueueDepth[]): void {
    const json = JSON.stringify(queues);
    if (json === lastJson.queues) return;
    lastJson.queues = json;
    replaceChildren(
      queuesBody,
      queues.map((queue) => {
        const pauseButton: HTMLButtonElement = h(
          'button',
          {
            type: 'button',
            class: 'small secondary',
            'aria-label': `${queue.paused ? 'Resume' : 'Pause'} the ${queue.type} queue`,
            onclick: () => void setPaused(queue.type, !queue.paused, pauseButton),
          },
          queue.paused ? 'Resume' : 'Pause',
        );
        const retryButton: HTMLButtonElement = h(
          'button',
          {
            type: 'button',
            class: 'small secondary',
            'aria-label': `Retry the failed ${queue.type} jobs`,
            onclick: () => void retryFailed(queue.type, retryButton),
          },
          'Retry failed…',
        );
        const button: HTMLButtonElement = h(
          'button',
          {
            type: 'button',
            class: 'small',
            disabled: queue.deadLetters === 0,
            'aria-label': `Redrive the ${queue.type} dead-letter queue`,
            onclick: () => void redrive(queue.type, button),
          },
          'Redrive',
        );
        return h(
          'tr',
          { 'data-queue': queue.type },
          h('th', { scope: 'row' }, queue.type),
          h('td', { class: 'num', 'data-label': 'Waiting' }, queue.visible),
          h('td', { class: 'num', 'data-label': 'In flight' }, queue.inFlight),
          h('td', { class: 'num', 'data-label': 'Delayed' }, queue.delayed),
          h(
            'td',
            { class: queue.deadLetters > 0 ? 'num alert' : 'num', 'data-label': 'Dead letters' },
            queue.deadLetters,
          ),
          h(
            'td',
            { 'data-label': 'State', class: queue.paused ? 'queue-state paused' : 'queue-state' },
            consumerLabel(queue),
          ),
          h('td', { class: 'action' }, h('div', { class: 'button-row' }, pauseButton, retryButton, button)),
        );
      }),
    );
  }

  async function loadQueues(signal?: AbortSignal): Promise<QueueDepth[]> {
    const { queues } = await get<{ queues: QueueDepth[] }>('/queues', signal);
    renderQueues(queues);
    return queues;
  }

  function queueNote(text: string, error = false): void {
    queueMessage.classList.toggle('error', error);
    queueMessage.textContent = text;
  }

  /** The latest pause or resume: an earlier one stops following its queue's state. */
  let queueAction = 0;
  async function setPaused(type: string, paused: boolean, button: HTMLButtonElement): Promise<void> {
    const action = ++queueAction;
    button.disabled = true;
    try {
      const result = await write<QueueConsumption>('POST', `/queues/${type}/${paused ? 'pause' : 'resume'}`);
      if (!result) return;
      queueNote(`${paused ? 'Pausing' : 'Resuming'} the ${type} queue…`);
      // The change takes effect within seconds: read the queues again until it has.
      for (let read = 0; read < SETTLE_READS && !stop.signal.aborted && action === queueAction; read++) {
        const queues = await loadQueues(stop.signal);
        const state = queues.find((queue) => queue.type === type)?.consumerState;
        if (state === (paused ? 'Disabled' : 'Enabled')) {
          queueNote(`The ${type} queue is ${paused ? 'paused: its jobs wait, queued' : 'running again'}.`);
          announce(`${type} queue ${paused ? 'paused' : 'resumed'}`);
          return;
        }
        await sleep(SETTLE_INTERVAL_MS, stop.signal);
      }
    } catch (error) {
      queueNote(`${paused ? 'Pause' : 'Resume'} failed: ${(error as Error).message}`, true);
    } finally {
      button.disabled = false;
    }
  }

  /** Counts first (a dry run), asks to confirm that many, then retries batch by batch. */
  async function retryFailed(type: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const filter = { type };
      const count = await write<BulkRetryResult>('POST', '/jobs/retry', { filter, dryRun: true });
      if (!count) return;
      if (count.matched === 0) {
        queueNote(`No failed ${type} jobs to retry.`);
        return;
      }
      const noun = count.matched === 1 ? 'job' : 'jobs';
      if (!confirm(`Retry ${count.matched} failed ${type} ${noun}? Each goes back to queued with fresh attempts.`))
        return;
      let expect = count.matched;
      let cursor: string | undefined;
      let retried = 0;
      let skipped = 0;
      for (;;) {
        const batch = await write<BulkRetryResult>('POST', '/jobs/retry', {
          filter,
          expect,
          ...(cursor ? { cursor } : {}),
        });
        if (!batch) return;
        retried += batch.retried?.length ?? 0;
        skipped += batch.skipped?.length ?? 0;
        queueNote(`Retrying failed ${type} jobs: ${retried} of ${count.matched}…`);
        if (!batch.cursor || !batch.remaining) break;
        expect = batch.remaining;
        cursor = batch.cursor;
      }
      queueNote(
        `Retried ${retried} failed ${type} ${retried === 1 ? 'job' : 'jobs'}${skipped ? ` (${skipped} had moved on)` : ''}.`,
      );
      announce(`Retried ${retried} failed ${type} jobs`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && typeof error.problem.matched === 'number')
        queueNote(`The count changed (${error.problem.matched} match now): nothing more was retried. Try again.`, true);
      else queueNote(`Retry failed: ${(error as Error).message}`, true);
    } finally {
      button.disabled = false;
    }
  }

  /** The one full read; changes then arrive over the WebSocket. */
  async function load(signal: AbortSignal): Promise<void> {
    try {
      const [loadedStats, loadedSeries] = await Promise.all([
        unlessAbsent(get<Stats>('/stats', signal)),
        unlessAbsent(get<StatsSeries>(`/stats/series?minutes=${CHART_MINUTES}`, signal)),
        loadQueues(signal),
        loadJobs(signal),
      ]);
      if (loadedStats) renderStats(loadedStats);
      else
        replaceChildren(
          statsGrid,
          h('p', { class: 'muted' }, 'Counts are off in this deployment (JobsPlatform stats: false).'),
        );
      series = loadedSeries;
      if (series) charts.render(series);
      else charts.element.hidden = true;
      errorBox.hidden = true;
    } catch (error) {
      if (!signal.aborted) showError(error);
    }
  }

  // Subscribe first, then read: a change between the read and the subscription is still seen.
  void loadJobTypes().then(() => load(stop.signal));
  // Relative times ("2 min ago") move on without any request.
  const ticker = setInterval(() => {
    for (const time of main.querySelectorAll('time[datetime]'))
      time.textContent = formatRelative(time.getAttribute('datetime') ?? '');
  }, 15_000);
  stop.signal.addEventListener('abort', () => clearInterval(ticker));
  return () => stop.abort();
}

/** A deployment without the stream counters (`stats: false`) has no /stats routes: 404, not an error. */
async function unlessAbsent<T>(reading: Promise<T>): Promise<T | undefined> {
  try {
    return await reading;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

function consumerLabel(queue: QueueDepth): string {
  switch (queue.consumerState) {
    case 'Enabled':
      return 'Running';
    case 'Disabled':
      return 'Paused';
    case 'Disabling':
      return 'Pausing…';
    case 'Enabling':
      return 'Resuming…';
    default:
      return queue.consumerState;
  }
}

/** A job first seen over the WebSocket: what its snapshot tells (attempts come with the next full read). */
function liveJobRow(type: string, job: JobStatusSnapshot): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-job-id': job.id },
    h(
      'td',
      {},
      h('a', { href: `#/jobs/${encodeURIComponent(job.id)}`, class: 'mono', title: job.id }, shortId(job.id)),
    ),
    h('td', {}, type),
    h('td', { 'data-cell': 'status' }, statusBadge(job.status as JobStatus)),
    h('td', { class: 'num wide-only' }, '–'),
    h('td', { class: 'wide-only' }, timeElement(job.updatedAt)),
    h('td', { 'data-cell': 'updated' }, timeElement(job.updatedAt)),
  );
}

function jobRow(job: JobSummary): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-job-id': job.id },
    h(
      'td',
      {},
      h('a', { href: `#/jobs/${encodeURIComponent(job.id)}`, class: 'mono', title: job.id }, shortId(job.id)),
    ),
    h('td', {}, job.type),
    h('td', { 'data-cell': 'status' }, statusBadge(job.status)),
    h('td', { class: 'num wide-only' }, `${job.attempts}/${job.maxAttempts}`),
    h('td', { class: 'wide-only' }, timeElement(job.createdAt)),
    h('td', { 'data-cell': 'updated' }, timeElement(job.updatedAt)),
  );
}

function emptyRow(columns: number, text: string): HTMLTableRowElement {
  return h('tr', {}, h('td', { colspan: columns, class: 'muted' }, text));
}
