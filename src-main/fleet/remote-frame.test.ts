import { describe, expect, it } from 'vitest';
import { parseRemoteSnapshot, type RemoteParseMemo } from '../../shared/contract/fleet';
import { RemoteFrameReader } from './remote-frame';
import { fleetFixtureAlert, fleetFixtureSnapshot } from './test-fixtures';

/** What `JSON.parse` makes of `text`: the value, or the error's class. */
function reference(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { error: (e as Error).constructor.name };
  }
}

function viaReader(reader: RemoteFrameReader, text: string): { value: unknown } | { error: string } {
  try {
    return { value: reader.read(text) };
  } catch (e) {
    return { error: (e as Error).constructor.name };
  }
}

/** Same value, same key order (the order of unknown fields shows in the notes). */
function expectSame(reader: RemoteFrameReader, text: string): void {
  const want = reference(text);
  const got = viaReader(reader, text);
  expect(got).toEqual(want);
  if ('value' in want && 'value' in got && want.value && typeof want.value === 'object') {
    expect(Object.keys(got.value as object)).toEqual(Object.keys(want.value));
    expect(Object.getPrototypeOf(got.value)).toBe(Object.getPrototypeOf(want.value));
  }
}

const tick = (n: number, over: Record<string, unknown> = {}) => JSON.stringify({ ...fleetFixtureSnapshot({ atMs: 1_700_000_000_000 + n * 1000, system: { memoryTotalBytes: 512e9, memoryUsedBytes: 100e9 + n, swapTotalBytes: 0, swapUsedBytes: 0 } }), ...over });

describe('RemoteFrameReader', () => {
  it('reuses the unchanged tail of the last event (the same objects) and parses only the head', () => {
    const reader = new RemoteFrameReader();
    const a = reader.read(tick(1)) as Record<string, unknown>;
    expect(reader.lastPath).toBe('split');
    const b = reader.read(tick(2)) as Record<string, unknown>;
    expect(reader.lastPath).toBe('tail');
    expect(b).toEqual(JSON.parse(tick(2)));
    expect(b.backends).toBe(a.backends);
    expect(b.sources).toBe(a.sources);
    expect(b.system).not.toBe(a.system);
    expect((b.system as { memoryUsedBytes: number }).memoryUsedBytes).toBe(100e9 + 2);
  });

  it('sees a change in the tail: a model that loads, an alert that starts', () => {
    const reader = new RemoteFrameReader();
    reader.read(tick(1));
    reader.read(tick(2));
    const snap = fleetFixtureSnapshot();
    const changed = { backends: [{ ...snap.backends[0]!, models: [...snap.backends[0]!.models, { ...snap.backends[0]!.models[0]!, name: 'llama3' }] }] };
    const c = reader.read(tick(3, changed)) as Record<string, unknown>;
    expect(reader.lastPath).toBe('split');
    expect(c).toEqual(JSON.parse(tick(3, changed)));
    // The new tail is the one kept: the next tick with it is read from the tail again.
    expect(reader.read(tick(4, changed))).toEqual(JSON.parse(tick(4, changed)));
    expect(reader.lastPath).toBe('tail');
    const alert = { alerts: [fleetFixtureAlert()] };
    expect(reader.read(tick(5, { ...changed, ...alert }))).toEqual(JSON.parse(tick(5, { ...changed, ...alert })));
    expect(reader.lastPath).toBe('split');
    // And back to the first tail: seen as well.
    expect(reader.read(tick(6))).toEqual(JSON.parse(tick(6)));
  });

  it('is exactly JSON.parse on hostile and odd texts after a tail was kept', () => {
    const head = (n: number) => tick(n).slice(0, tick(n).indexOf(',"backends":'));
    const tail = tick(1).slice(tick(1).indexOf(',"backends":'));
    const cases = [
      // The kept tail after a head that is not a whole object start.
      `{${tail}`,
      `${tail}`,
      `{"atMs":1,${tail}`,
      `{"atMs":1 ${tail}`,
      `[1${tail}`,
      `{"a":"${tail}`,
      `{"a":{"b":1${tail}`,
      `{"a":[1${tail}`,
      `{"__proto__":{"polluted":true}${tail}`,
      `{"atMs":1,"backends":"head's own"${tail}`,
      `${head(2)} ${tail}`,
      `${head(2)}\n${tail}`,
      `${head(2)}${tail} `,
      `${head(2)}${tail}}`,
      `${head(2)}${tail}x`,
      `"${tail}`,
      // The split text inside a string, in another position, twice, at the start.
      JSON.stringify({ atMs: 1, note: ',"backends":[]', backends: [1] }),
      JSON.stringify({ backends: [], atMs: 1 }),
      `{"atMs":1,"backends":[],"backends":[2]}`,
      `{"atMs":1,"backends":[1],"__proto__":{"x":1}}`,
      `{"atMs":1,"backends":[1]`,
      `{"atMs":1,"backends":[1]]`,
      `{"atMs":1,"backends":[1]x`,
      `{"atMs":1,"backends":[1]}}`,
      `{"atMs":1,"backends":}`,
      'null',
      '',
      tick(7),
    ];
    for (const text of cases) {
      const reader = new RemoteFrameReader();
      reader.read(tick(1));
      expectSame(reader, text);
      // And the reader still reads a good event afterwards.
      expectSame(reader, tick(8));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('matches JSON.parse over random edits of a stream of events', () => {
    // A small deterministic generator: the same cases on every run.
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const reader = new RemoteFrameReader();
    const alphabet = ['{', '}', '[', ']', ',', ':', '"', '\\', ' ', '1', 'a', ',"backends":', '"__proto__":'];
    for (let i = 0; i < 400; i++) {
      let text = tick(i % 5, i % 7 === 0 ? { alerts: [fleetFixtureAlert({ sinceMs: i })] } : {});
      const edits = rand(3);
      for (let e = 0; e < edits; e++) {
        const at = rand(text.length + 1);
        const kind = rand(3);
        if (kind === 0) text = text.slice(0, at) + alphabet[rand(alphabet.length)]! + text.slice(at);
        else if (kind === 1) text = text.slice(0, at) + text.slice(at + 1 + rand(4));
        else text = text.slice(0, at) + text.slice(at + 1);
      }
      expectSame(reader, text);
    }
  });

  it('with the parse memo: the same Snapshot and notes as a fresh parse, every tick', () => {
    const reader = new RemoteFrameReader();
    const memo: RemoteParseMemo = {};
    const texts = [tick(1), tick(2), tick(3, { alerts: [fleetFixtureAlert()] }), tick(4, { alerts: [fleetFixtureAlert()] }), tick(5, { intervalMs: 2000, newField: { x: 1 } }), tick(6, { intervalMs: 2000, newField: { x: 1 } }), tick(7, { backends: 'none' }), tick(8)];
    let previous: ReturnType<typeof parseRemoteSnapshot> | null = null;
    for (const text of texts) {
      const got = parseRemoteSnapshot(reader.read(text), memo);
      expect(got).toEqual(parseRemoteSnapshot(JSON.parse(text)));
      if (previous?.ok && got.ok && reader.lastPath === 'tail') expect(got.snapshot.backends[0]).toBe(previous.snapshot.backends[0]);
      previous = got;
    }
  });
});
