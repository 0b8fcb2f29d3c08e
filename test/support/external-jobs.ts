import { randomUUID } from 'node:crypto';
import { api } from './api';

/** An external job (POST /jobs): its status moves only when the test reports one. */
export async function createExternalJob(): Promise<string> {
  const id = `job_${randomUUID()}`;
  expect((await api('/jobs', { method: 'POST', json: { id } })).status).toBe(201);
  return id;
}

/** Reports an external job's status (PUT /jobs/{id}), as its owner would. */
export const reportStatus = async (id: string, status: string) =>
  expect((await api(`/jobs/${id}`, { method: 'PUT', json: { status } })).status).toBe(200);

/** Polls a synchronous check every 50 ms until it yields a value; fails naming `what` after the timeout. */
export async function eventually<T>(check: () => T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
