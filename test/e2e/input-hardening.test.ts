import { randomUUID } from 'node:crypto';
import { MAX_PAYLOAD_BYTES, MAX_PAYLOAD_DEPTH } from '../../src/jobs/storable-payload';
import { api } from '../support/api';

interface ProblemBody {
  type: string;
  status: number;
  errors?: { field: string; message: string }[];
}

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}

/** A 400 problem+json naming `field`, and no job stored under `id`. */
async function expectRefused(
  response: { status: number; headers: Headers; body: ProblemBody },
  field: string | RegExp,
  id?: string,
): Promise<void> {
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.body.type).toBe('urn:serverless-jobs:problem:validation');
  expect(response.body.errors?.map((error) => error.field)).toContainEqual(
    typeof field === 'string' ? field : expect.stringMatching(field),
  );
  if (id !== undefined) expect((await api(`/jobs/${id}`)).status).toBe(404);
}

describe('input the store cannot keep is refused before anything is written', () => {
  test('a number beyond what DynamoDB and the SDK keep exactly (1e20)', async () => {
    const id = `e2e-${randomUUID()}`;
    await expectRefused(
      await api<ProblemBody>('/jobs', { method: 'POST', json: { id, payload: { n: 1e20 } } }),
      'payload.n',
      id,
    );
  });

  test('a number that JSON parses to Infinity (1e400)', async () => {
    const id = `e2e-${randomUUID()}`;
    const response = await api<ProblemBody>('/jobs', {
      method: 'POST',
      body: `{"id":"${id}","payload":{"big":1e400}}`,
      headers: { 'content-type': 'application/json' },
    });
    await expectRefused(response, 'payload.big', id);
  });

  test('a number too small for DynamoDB (1e-200)', async () => {
    const id = `e2e-${randomUUID()}`;
    await expectRefused(
      await api<ProblemBody>('/jobs', { method: 'POST', json: { id, payload: { tiny: 1e-200 } } }),
      'payload.tiny',
      id,
    );
  });

  test(`a payload nested 40 levels deep is refused; ${MAX_PAYLOAD_DEPTH} levels are stored and read back`, async () => {
    const id = `e2e-${randomUUID()}`;
    await expectRefused(
      await api<ProblemBody>('/jobs', { method: 'POST', json: { id, payload: nested(40) } }),
      /^payload(\.a)+$/,
      id,
    );
    const deepest = await api('/jobs', { method: 'POST', json: { id, payload: nested(MAX_PAYLOAD_DEPTH) } });
    expect(deepest.status).toBe(201);
    expect((await api<{ payload: unknown }>(`/jobs/${id}`)).body.payload).toEqual(nested(MAX_PAYLOAD_DEPTH));
  });

  test('a field with an empty name', async () => {
    const id = `e2e-${randomUUID()}`;
    await expectRefused(
      await api<ProblemBody>('/jobs', { method: 'POST', json: { id, payload: { '': 1 } } }),
      'payload.""',
      id,
    );
  });

  test(`a payload above ${MAX_PAYLOAD_BYTES} bytes, inside the 256 KiB body limit`, async () => {
    const id = `e2e-${randomUUID()}`;
    const payload = { text: 'x'.repeat(MAX_PAYLOAD_BYTES + 1) };
    await expectRefused(await api<ProblemBody>('/jobs', { method: 'POST', json: { id, payload } }), 'payload', id);
  });

  test('a worker job body with a number the store cannot keep', async () => {
    const response = await api<ProblemBody>('/jobs/cleanup', {
      method: 'POST',
      body: '{"task":"delete_temp","durationMs":1e400}',
      headers: { 'content-type': 'application/json' },
    });
    await expectRefused(response, 'durationMs');
  });
});

describe('ids a caller may not take', () => {
  test.each(['.', '..'])('%p, which no URL could reach afterwards', async (id) => {
    await expectRefused(await api<ProblemBody>('/jobs', { method: 'POST', json: { id } }), 'id');
  });

  test("today's daily cleanup id, in the reserved system namespace", async () => {
    const id = `system:daily-cleanup:${new Date().toISOString().slice(0, 10)}`;
    const response = await api<ProblemBody>('/jobs', { method: 'POST', json: { id } });
    expect(response.body.errors).toEqual([{ field: 'id', message: expect.stringContaining('reserved') }]);
    await expectRefused(response, 'id');
  });
});

describe('listing cursors are signed', () => {
  let cursor = '';

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) await api('/jobs', { method: 'POST', json: { payload: { i } } });
    const { status, body } = await api<{ nextCursor?: string }>('/jobs?type=external&limit=1');
    expect(status).toBe(200);
    cursor = body.nextCursor ?? '';
    expect(cursor).not.toBe('');
  });

  test('the cursor the API issued fetches the next page', async () => {
    expect((await api(`/jobs?type=external&limit=1&cursor=${cursor}`)).status).toBe(200);
  });

  test('a cursor whose content was changed is refused', async () => {
    const [content = '', signature] = cursor.split('.');
    const state = JSON.parse(Buffer.from(content, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${Buffer.from(JSON.stringify({ ...state, extra: {} })).toString('base64url')}.${signature}`;
    await expectRefused(await api<ProblemBody>(`/jobs?type=external&limit=1&cursor=${forged}`), 'cursor');
  });

  test('an unsigned cursor, as the API issued before signing, is refused', async () => {
    const [content = ''] = cursor.split('.');
    await expectRefused(await api<ProblemBody>(`/jobs?type=external&limit=1&cursor=${content}`), 'cursor');
  });

  test('a cursor issued for another filter is refused', async () => {
    await expectRefused(await api<ProblemBody>(`/jobs?type=email&limit=1&cursor=${cursor}`), 'cursor');
  });
});
