/**
 * The end-to-end suite runs against the embedded local stack (the default) or, with
 * JOBS_E2E_TARGET=remote, against JOBS_API_URL / JOBS_API_KEY (LocalStack or AWS). Tests that
 * reach into the emulators, or that only a real AWS deployment can show, say so here.
 */
const onLocalStack = Boolean(process.env.LOCAL_STACK_TABLES);
const onAws = process.env.JOBS_E2E_TARGET === 'remote' && /\.amazonaws\.com/.test(process.env.JOBS_API_URL ?? '');

/** Needs direct access to the local stack's emulators (seeding a DLQ, counting waiters). */
export const localStackOnly = onLocalStack ? test : test.skip;

/** Needs what only AWS itself does (usage-plan throttling, for one). */
export const awsOnly = onAws ? test : test.skip;
