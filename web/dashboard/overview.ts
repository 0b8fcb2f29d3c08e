import { JOB_STATUSES, type JobStatus } from '../../src/client/job';
import type { JobTypesSummary } from '../../src/client/job-types';
import { get, write, type JobPage, type JobSummary, type QueueDepth, type RedriveResult, type Stats } from './api';
import { CHART_MINUTES, chartsPanel, type StatsSeries } from './charts';
import { announce, formatRelative, h, replaceChildren, shortId, sleep, statusBadge, timeElement } from './dom';
import { submitForms } from './submit-forms';

/** Lists and counts refresh no more often than this. */
export const REFRESH_INTERVAL_MS = 5_000;
const PAGE_SIZE = 20;
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

/** The overview: counts, queues, the job list and the test-job forms. Returns its cleanup. */
export function renderOverview(main: HTMLElement, navigate: (hash: string) => void): () => void {
  const stop = new AbortController();
  const list: ListState = { status: '', type: '', cursors: [undefined] };
  let nextCursor: string | undefined;
  const lastJson = { stats: '', queues: '', jobs: '' };

  const statsGrid = h('div', { class: 'stat-grid' }, h('p', { class: 'muted' }, 'Loading…'));
  const charts = chartsPanel();
  const queuesBody = h('tbody');
  const queueMessage = h('p', { class: 'message', role: 'status' });
  const jobsBody = h('tbody');
  const pageLabel = h('span', { class: 'muted' });
  const refreshedAt = h('span', { class: 'muted small' });
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
    replaceChildren(jobsBody, page.jobs.length ? page.jobs.map(jobRow) : emptyRow(6, 'No jobs match.'));
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

  function renderStats(stats: Stats): void {
    const json = JSON.stringify(stats);
    if (json === lastJson.stats) return;
    lastJson.stats = json;
    const statuses = JOB_STATUSES.filter(
      (status) => MAIN_STATUSES.includes(status) || Object.keys(stats.counts[status] ?? {}).length > 0,
    );
    replaceChildren(
      statsGrid,
      statuses.map((status) => {
        const byType = stats.counts[status] ?? {};
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
          {},
          h('th', { scope: 'row' }, queue.type),
          h('td', { class: 'num', 'data-label': 'Waiting' }, queue.visible),
          h('td', { class: 'num', 'data-label': 'In flight' }, queue.inFlight),
          h('td', { class: 'num', 'data-label': 'Delayed' }, queue.delayed),
          h(
            'td',
            { class: queue.deadLetters > 0 ? 'num alert' : 'num', 'data-label': 'Dead letters' },
            queue.deadLetters,
          ),
          h('td', { class: 'action' }, button),
        );
      }),
    );
  }

  async function refresh(signal: AbortSignal): Promise<void> {
    const [stats, queues, series] = await Promise.all([
      get<Stats>('/stats', signal),
      get<{ queues: QueueDepth[] }>('/queues', signal),
      get<StatsSeries>(`/stats/series?minutes=${CHART_MINUTES}`, signal),
      loadJobs(signal),
    ]);
    renderStats(stats);
    charts.render(series);
    renderQueues(queues.queues);
    // Unchanged rows are kept; their relative times still move on.
    for (const time of main.querySelectorAll('time[datetime]')) {
      time.textContent = formatRelative(time.getAttribute('datetime') ?? '');
    }
    errorBox.hidden = true;
    refreshedAt.textContent = `Updated ${new Date().toLocaleTimeString()}, every ${REFRESH_INTERVAL_MS / 1000} s`;
  }

  /** One refresh, then the next no sooner than REFRESH_INTERVAL_MS later, paused while the tab is hidden. */
  async function refreshLoop(): Promise<void> {
    while (!stop.signal.aborted) {
      const started = Date.now();
      if (!document.hidden) {
        try {
          await refresh(stop.signal);
        } catch (error) {
          if (stop.signal.aborted) return;
          showError(error);
        }
      }
      await sleep(Math.max(0, started + REFRESH_INTERVAL_MS - Date.now()), stop.signal);
    }
  }
  void loadJobTypes();
  void refreshLoop();
  return () => stop.abort();
}

function jobRow(job: JobSummary): HTMLTableRowElement {
  return h(
    'tr',
    {},
    h(
      'td',
      {},
      h('a', { href: `#/jobs/${encodeURIComponent(job.id)}`, class: 'mono', title: job.id }, shortId(job.id)),
    ),
    h('td', {}, job.type),
    h('td', {}, statusBadge(job.status)),
    h('td', { class: 'num wide-only' }, `${job.attempts}/${job.maxAttempts}`),
    h('td', { class: 'wide-only' }, timeElement(job.createdAt)),
    h('td', {}, timeElement(job.updatedAt)),
  );
}

function emptyRow(columns: number, text: string): HTMLTableRowElement {
  return h('tr', {}, h('td', { colspan: columns, class: 'muted' }, text));
}
