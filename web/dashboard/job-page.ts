import { isTerminalStatus, type JobStatus } from '../../src/client/job';
import { ApiError, get, isAbort, write, type JobDetail } from './api';
import { announce, formatAbsolute, h, replaceChildren, statusBadge, timeElement } from './dom';
import { followJobs } from './live';

const CANCELLABLE: ReadonlySet<JobStatus> = new Set(['queued', 'delayed', 'retrying']);
/** A failed job can still be retried or redriven, so it is followed; these never change again. */
const FINAL: ReadonlySet<JobStatus> = new Set(['completed', 'cancelled', 'done']);

/** One job, followed live over the WebSocket API (each new version is read once). Returns its cleanup. */
export function renderJobPage(main: HTMLElement, id: string): () => void {
  const stop = new AbortController();
  const live = h('span', { class: 'live', role: 'status' }, 'Connecting…');
  const body = h('div', { class: 'job-body' }, h('p', { class: 'muted' }, 'Loading…'));
  const heading = h('h1', { id: 'page-title', tabindex: -1 }, 'Job ', h('span', { class: 'mono break' }, id));
  replaceChildren(
    main,
    h('p', {}, h('a', { href: '#/' }, '← All jobs')),
    h('div', { class: 'job-head' }, heading, live),
    body,
  );
  let current: JobDetail | undefined;

  function setLive(state: 'live' | 'reconnecting' | 'finished', text: string): void {
    live.className = `live state-${state}`;
    live.textContent = text;
  }

  function render(job: JobDetail): void {
    const previous = current;
    current = job;
    if (previous && previous.status !== job.status) announce(`Job is now ${job.status}`);
    const hadFocus = main.querySelector<HTMLElement>('.job-body :focus')?.dataset.focusKey;
    replaceChildren(body, jobDetails(job, { cancel: () => void cancel(), retry: () => void retry() }));
    // Whichever answer showed it (a read, a cancel), a job that will not change again is finished.
    if (FINAL.has(job.status)) setLive('finished', `Finished (${job.status})`);
    if (hadFocus) body.querySelector<HTMLElement>(`[data-focus-key="${hadFocus}"]`)?.focus();
  }

  async function cancel(): Promise<void> {
    const button = body.querySelector<HTMLButtonElement>('[data-focus-key="cancel"]');
    if (button) button.disabled = true;
    const message = body.querySelector<HTMLElement>('.action-message');
    try {
      const job = await write<JobDetail>('DELETE', `/jobs/${encodeURIComponent(id)}`);
      if (job && !stop.signal.aborted) {
        render({ ...job, history: job.history ?? current?.history ?? [] });
        announce('Job cancelled');
      }
    } catch (error) {
      if (message) {
        message.hidden = false;
        message.textContent =
          error instanceof ApiError && error.status === 409
            ? `Cannot cancel: ${error.message}`
            : `Cancel failed: ${(error as Error).message}`;
      }
    } finally {
      if (button) button.disabled = false;
    }
  }

  async function retry(): Promise<void> {
    const button = body.querySelector<HTMLButtonElement>('[data-focus-key="retry"]');
    if (button) button.disabled = true;
    const message = body.querySelector<HTMLElement>('.action-message');
    try {
      const job = await write<JobDetail>('POST', `/jobs/${encodeURIComponent(id)}/retry`);
      if (job && !stop.signal.aborted) {
        // The subscription sees the next versions and follows the new attempts.
        render({ ...job, history: job.history ?? current?.history ?? [] });
        announce('Job queued again');
      }
    } catch (error) {
      if (message) {
        message.hidden = false;
        message.textContent =
          error instanceof ApiError && error.status === 409
            ? `Cannot retry: ${error.message}`
            : `Retry failed: ${(error as Error).message}`;
      }
    } finally {
      if (button) button.disabled = false;
    }
  }

  /** Reads the whole job (history, result) once, then again on each new version the WebSocket announces. */
  let reading: Promise<void> | undefined;
  let wanted = 0;
  async function read(): Promise<void> {
    try {
      const job = await get<JobDetail>(`/jobs/${encodeURIComponent(id)}`, stop.signal);
      render(job);
    } catch (error) {
      if (stop.signal.aborted || isAbort(error)) return;
      if (error instanceof ApiError && error.status === 404) {
        replaceChildren(
          body,
          h('p', { class: 'message error', role: 'alert' }, `Job not found (404): no job has the id ${id}.`),
        );
        setLive('finished', 'Not found');
        found = false;
        return;
      }
      setLive('reconnecting', `Could not read the job: ${(error as Error).message}`);
    }
  }
  function readAtLeast(version: number): void {
    wanted = Math.max(wanted, version);
    if (current && current.version >= wanted) return;
    reading ??= read().finally(() => {
      reading = undefined;
      if (current && current.version < wanted && !stop.signal.aborted) readAtLeast(wanted);
    });
  }
  let found = true;
  async function follow(): Promise<void> {
    await read();
    if (!found || stop.signal.aborted) return;
    // Subscribing sends the current state first, so a change between the read and the subscription is not lost.
    followJobs(
      [id],
      (snapshot) => readAtLeast(snapshot.version),
      (state) => {
        if (current && FINAL.has(current.status)) return;
        if (state === 'live') setLive('live', 'Live');
        else if (state === 'connecting') setLive('reconnecting', 'Connecting…');
        else setLive('reconnecting', 'No WebSocket API: reload to see changes');
      },
      stop.signal,
    );
  }
  void follow();
  return () => stop.abort();
}

function jobDetails(job: JobDetail, actions: { cancel: () => void; retry: () => void }): HTMLElement[] {
  const row = (term: string, value: Node | string) => [h('dt', {}, term), h('dd', {}, value)];
  const json = (value: unknown) => h('pre', { class: 'code', tabindex: 0 }, JSON.stringify(value, null, 2));
  const outcome = job.error
    ? h(
        'section',
        { 'aria-labelledby': 'error-title', class: 'card' },
        h('h2', { id: 'error-title' }, 'Error'),
        h('p', { class: 'error-text' }, job.error.message),
        h('p', { class: 'muted small' }, `Kind: ${job.error.kind}`),
      )
    : job.result
      ? h(
          'section',
          { 'aria-labelledby': 'result-title', class: 'card' },
          h('h2', { id: 'result-title' }, 'Result'),
          json(job.result),
        )
      : h(
          'section',
          { 'aria-labelledby': 'result-title', class: 'card' },
          h('h2', { id: 'result-title' }, 'Result'),
          h('p', { class: 'muted' }, isTerminalStatus(job.status) ? 'None.' : 'Not yet.'),
        );
  return [
    h(
      'div',
      { class: 'job-actions' },
      statusBadge(job.status),
      CANCELLABLE.has(job.status)
        ? h(
            'button',
            { type: 'button', class: 'danger', 'data-focus-key': 'cancel', onclick: actions.cancel },
            'Cancel job',
          )
        : null,
      job.status === 'failed'
        ? h('button', { type: 'button', 'data-focus-key': 'retry', onclick: actions.retry }, 'Retry job')
        : null,
      h('p', { class: 'message error action-message', role: 'alert', hidden: true }),
    ),
    h(
      'div',
      { class: 'job-grid' },
      h(
        'section',
        { 'aria-labelledby': 'summary-title', class: 'card' },
        h('h2', { id: 'summary-title' }, 'Summary'),
        h(
          'dl',
          { class: 'summary' },
          row('Type', job.type),
          row('Status', job.status),
          row('Attempts', `${job.attempts} of ${job.maxAttempts}`),
          row('Version', String(job.version)),
          row('Created', formatAbsolute(job.createdAt)),
          row('Updated', formatAbsolute(job.updatedAt)),
          job.runAt ? row('Runs at', formatAbsolute(job.runAt)) : [],
          job.nextAttemptAt ? row('Next attempt', formatAbsolute(job.nextAttemptAt)) : [],
          job.deadLettered ? row('Dead-lettered', 'yes') : [],
        ),
      ),
      h(
        'section',
        { 'aria-labelledby': 'history-title', class: 'card' },
        h('h2', { id: 'history-title' }, 'History'),
        h(
          'ol',
          { class: 'timeline' },
          job.history.map((entry) =>
            h(
              'li',
              { class: `timeline-entry status-${entry.status}` },
              h('div', { class: 'timeline-head' }, statusBadge(entry.status), timeElement(entry.at)),
              h(
                'div',
                { class: 'muted small' },
                formatAbsolute(entry.at),
                entry.attempt > 0 ? ` · attempt ${entry.attempt}` : '',
              ),
              entry.error ? h('p', { class: 'error-text small' }, entry.error) : null,
            ),
          ),
        ),
      ),
      h(
        'section',
        { 'aria-labelledby': 'payload-title', class: 'card' },
        h('h2', { id: 'payload-title' }, 'Payload'),
        json(job.payload),
      ),
      outcome,
    ),
  ];
}
