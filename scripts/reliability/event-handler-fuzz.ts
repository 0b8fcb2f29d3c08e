/**
 * Malformed SQS and DynamoDB stream records fed straight to the functions the template's event
 * source mappings trigger (found in the synthesized template, not listed by hand). Each handler
 * must answer (a partial batch response naming the bad records is fine) and never throw: a throw
 * fails the whole batch, which then comes back again and again with the good records in it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { InvocationOutcome } from '../bench/local-stack-child';
import { forEachConcurrently } from './http';

type JsonObject = Record<string, unknown>;

export interface TriggeredFunction {
  logicalId: string;
  source: 'sqs' | 'dynamodb-stream';
}

export interface EventHandlerFuzzReport {
  functions: TriggeredFunction[];
  events: number;
  records: number;
  thrown: { logicalId: string; errorType: string; message: string; event: string }[];
}

/** The functions an AWS::Lambda::EventSourceMapping of the synthesized template triggers, by source kind. */
export function triggeredFunctions(cdkOut = 'cdk.out'): TriggeredFunction[] {
  const file = readdirSync(cdkOut).find((name) => name.endsWith('.template.json'));
  if (!file) throw new Error(`no template in ${cdkOut}: run npm run synth`);
  const template = JSON.parse(readFileSync(path.join(cdkOut, file), 'utf8')) as {
    Resources: Record<string, JsonObject>;
  };
  const found = new Map<string, TriggeredFunction>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const props = resource.Properties as {
      FunctionName?: { Ref?: string };
      EventSourceArn?: { 'Fn::GetAtt'?: string[] };
    };
    const logicalId = props.FunctionName?.Ref;
    const attribute = props.EventSourceArn?.['Fn::GetAtt']?.[1];
    if (!logicalId || !attribute) continue;
    found.set(logicalId, { logicalId, source: attribute === 'StreamArn' ? 'dynamodb-stream' : 'sqs' });
  }
  return [...found.values()];
}

const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined));

/** An attribute value as DynamoDB writes it, or one it never would. */
const attributeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ S: fc.string() }),
  fc.record({ N: fc.oneof(fc.integer().map(String), fc.constantFrom('abc', '1e400', '')) }),
  fc.record({ BOOL: fc.boolean() }),
  fc.constantFrom({ NULL: true }, { S: 1 }, { N: null }, { M: null }, { L: 'x' }, {}, null, 'x', {
    M: { status: { S: 'completed' } },
  }),
);

const image = fc.dictionary(
  fc.oneof(
    fc.constantFrom('pk', 'sk', 'id', 'status', 'version', 'updatedAt', 'type', 'jobId', 'history'),
    fc.string({ maxLength: 8 }),
  ),
  attributeValue,
  { maxKeys: 6 },
);

function sqsRecord(): fc.Arbitrary<unknown> {
  const body = fc.oneof(
    fc.string(),
    fc.constantFrom(
      '',
      '{',
      'null',
      '[]',
      '{"jobId":1,"type":"email"}',
      '{"jobId":"","type":"email"}',
      '{"jobId":"x","type":"nope"}',
    ),
    fc
      .record({ jobId: fc.oneof(fc.uuid(), fc.string()), type: fc.constantFrom('email', 'sms', 'cleanup', 'external') })
      .map((b) => JSON.stringify(b)),
    fc.json({ maxDepth: 3 }),
  );
  return fc
    .record({
      messageId: fc.oneof(fc.uuid(), fc.constant(''), anyValue),
      receiptHandle: fc.oneof(fc.string(), anyValue),
      body: fc.oneof({ weight: 5, arbitrary: body }, anyValue),
      attributes: fc.oneof(
        fc.record({
          ApproximateReceiveCount: fc.oneof(fc.constantFrom('1', '7', '0', 'x'), anyValue),
          SentTimestamp: fc.constantFrom('0', 'x', '1700000000000'),
        }),
        anyValue,
      ),
      messageAttributes: fc.oneof(fc.constant({}), anyValue),
      eventSource: fc.constantFrom('aws:sqs', 'aws:sns', ''),
    })
    .map((record) => JSON.parse(JSON.stringify(record)) as unknown);
}

function streamRecord(): fc.Arbitrary<unknown> {
  return fc
    .record({
      eventID: fc.oneof(fc.uuid(), anyValue),
      eventName: fc.oneof(fc.constantFrom('INSERT', 'MODIFY', 'REMOVE', 'BOGUS'), anyValue),
      eventSource: fc.constantFrom('aws:dynamodb', ''),
      dynamodb: fc.oneof(
        fc.record({
          Keys: fc.oneof(image, anyValue),
          NewImage: fc.oneof(image, anyValue),
          OldImage: fc.oneof(image, anyValue),
          SequenceNumber: fc.oneof(fc.integer().map(String), anyValue),
          StreamViewType: fc.constantFrom('NEW_AND_OLD_IMAGES', 'KEYS_ONLY', 'x'),
        }),
        anyValue,
      ),
    })
    .map((record) => JSON.parse(JSON.stringify(record)) as unknown);
}

export async function fuzzEventHandlers(options: {
  invoke: (logicalId: string, event: unknown) => Promise<InvocationOutcome>;
  eventsPerFunction: number;
  seed?: number;
  cdkOut?: string;
}): Promise<EventHandlerFuzzReport> {
  const functions = triggeredFunctions(options.cdkOut);
  const thrown: EventHandlerFuzzReport['thrown'] = [];
  let events = 0;
  let records = 0;
  for (const fn of functions) {
    const record = fn.source === 'sqs' ? sqsRecord() : streamRecord();
    const batches = fc.sample(fc.array(record, { minLength: 1, maxLength: 10 }), {
      numRuns: options.eventsPerFunction,
      seed: options.seed ?? 42,
    });
    await forEachConcurrently(batches, 2, async (batch) => {
      events++;
      records += batch.length;
      const event = { Records: batch };
      const outcome = await options.invoke(fn.logicalId, event);
      if (!outcome.ok)
        thrown.push({
          logicalId: fn.logicalId,
          errorType: outcome.errorType,
          message: outcome.message,
          event: JSON.stringify(event).slice(0, 400),
        });
    });
  }
  return { functions, events, records, thrown };
}
