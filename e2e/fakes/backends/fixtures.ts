/**
 * Reads the recorded backend payloads in e2e/fixtures/backends/ (copied into the repo so a fresh
 * clone needs nothing beside it). Used by collector unit tests and the fake servers.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../fixtures/backends/', import.meta.url));

/** The text of `e2e/fixtures/backends/<relativePath>`. */
export function readFixture(relativePath: string): string {
  return readFileSync(root + relativePath, 'utf8');
}

/** The parsed JSON of `e2e/fixtures/backends/<relativePath>`. */
export function readJsonFixture(relativePath: string): unknown {
  return JSON.parse(readFixture(relativePath)) as unknown;
}
