import { describe, expect, it } from 'vitest';
import { Lru } from '../../electron/net/lru';

describe('Lru', () => {
  it('evicts the least recently used entry', () => {
    const lru = new Lru<string, number>(3);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3);
    expect(lru.get('a')).toBe(1); // a is now the youngest
    lru.set('d', 4);
    expect(lru.has('b')).toBe(false);
    expect([...['a', 'c', 'd']].map((k) => lru.peek(k))).toEqual([1, 3, 4]);
    expect(lru.size).toBe(3);
  });

  it('peek does not refresh, set on an existing key does not evict', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.peek('a')).toBe(1);
    lru.set('b', 20);
    expect(lru.size).toBe(2);
    lru.set('c', 3);
    expect(lru.has('a')).toBe(false);
    expect(lru.get('b')).toBe(20);
  });

  it('never grows past its capacity', () => {
    const lru = new Lru<number, number>(100);
    for (let i = 0; i < 10_000; i++) lru.set(i, i);
    expect(lru.size).toBe(100);
    expect(lru.has(9_999)).toBe(true);
    expect(lru.has(9_899)).toBe(false);
  });

  it('rejects a bad capacity', () => {
    expect(() => new Lru(0)).toThrow(RangeError);
    expect(() => new Lru(1.5)).toThrow(RangeError);
  });
});
