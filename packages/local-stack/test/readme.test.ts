/** The README's coverage table says what the code emulates: every type and property, no more. */
import { readFileSync } from 'node:fs';
import { RESOURCE_COVERAGE } from '../src/coverage';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
/** Type → the "Properties emulated" cell, from the table's rows. */
const rows = new Map(
  [...readme.matchAll(/^\|\s*`(AWS::[\w:]+)`\s*\|([^|]*)\|/gm)].map((match) => [match[1]!, match[2]!.trim()] as const),
);

it('has a row for every emulated resource type, and none for others', () => {
  expect([...rows.keys()].sort()).toEqual(Object.keys(RESOURCE_COVERAGE).sort());
});

it.each(Object.entries(RESOURCE_COVERAGE))('lists every property %s honours', (type, coverage) => {
  const listed = rows
    .get(type)!
    .split(',')
    .map((cell) => cell.trim().split(' ')[0]);
  expect(listed.sort()).toEqual([...coverage.honoured].sort());
});
