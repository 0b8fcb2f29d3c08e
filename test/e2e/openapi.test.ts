import { compileErrors, validate } from '@readme/openapi-parser';
import { api, apiUrl } from '../support/api';

/** What a client generator or an API explorer would fetch: the document, served by the running API. */
test('GET /openapi.json serves a valid OpenAPI 3.1 document of the running API, without a key', async () => {
  const response = await fetch(apiUrl('/openapi.json'));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const document = (await response.json()) as { openapi: string; paths: Record<string, object> };
  expect(document.openapi).toMatch(/^3\.1\./);
  const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
  if (!result.valid) throw new Error(compileErrors(result));

  // The running API's job types are documented: each one GET /job-types lists has its submit route.
  const { jobTypes } = (await api<{ jobTypes: { name: string }[] }>('/job-types')).body;
  expect(jobTypes.length).toBeGreaterThan(0);
  for (const { name } of jobTypes) expect(document.paths).toHaveProperty([`/jobs/${name}`, 'post']);
});
