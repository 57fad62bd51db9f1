import { describe, expect, it } from 'vitest';
import { normalizeHostname } from '../../electron/net/hostname';

describe('normalizeHostname', () => {
  it.each([
    ['one.one.one.one', 'one.one.one.one'],
    ['One.One.One.One.', 'one.one.one.one'],
    ['dns.google', 'dns.google'],
    ['ec2-3-4-5-6.compute-1.amazonaws.com', 'ec2-3-4-5-6.compute-1.amazonaws.com'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['fritz', 'fritz'],
    ['a.b', 'a.b'],
    ['1.2.3.example', '1.2.3.example'],
    [`${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
  ])('accepts %s', (input, expected) => {
    expect(normalizeHostname(input)).toBe(expected);
  });

  const label63 = 'a'.repeat(63);
  const name253 = [label63, label63, label63, 'b'.repeat(61)].join('.');
  it('accepts exactly 253 characters, with or without the root dot', () => {
    expect(name253.length).toBe(253);
    expect(normalizeHostname(name253)).toBe(name253);
    expect(normalizeHostname(`${name253}.`)).toBe(name253);
  });

  it.each([
    ['empty', ''],
    ['root only', '.'],
    ['254 chars', `${name253}c`],
    ['64-char label', `${'a'.repeat(64)}.example`],
    ['empty label', 'a..example'],
    ['leading dot', '.example.com'],
    ['two trailing dots', 'example.com..'],
    ['leading hyphen', '-evil.example'],
    ['trailing hyphen', 'evil-.example'],
    ['underscore', '_dmarc.example'],
    ['space', 'a b.example'],
    ['ESC sequence', 'evil\u001b[31m.example'],
    ['c-ares escaped control', 'evil\\027[31m.example'],
    ['NUL', 'evil\u0000.example'],
    ['newline', 'good.example\nbad'],
    ['DEL', 'evil\u007f.example'],
    ['markup', '<script>.example'],
    ['quote', 'a"b.example'],
    ['comma (CSV)', 'a,b.example'],
    ['equals (CSV formula)', '=cmd.example'],
    ['bidi override', 'abc\u202egpj.example'],
    ['Kelvin sign folds to k', '\u212aeep.example'],
    ['dotted-I', '\u0130stanbul.example'],
    ['unicode', 'bücher.example'],
    ['fullwidth dot', 'a\uff0eexample'],
    ['IPv4 literal', '1.2.3.4'],
    ['numeric', '1234'],
    ['IPv6 literal', '2001:db8::1'],
    ['slash', 'a/b.example'],
    ['percent', 'a%20.example'],
  ])('rejects %s', (_label, input) => {
    expect(normalizeHostname(input)).toBeNull();
  });

  it('rejects non-strings', () => {
    for (const v of [null, undefined, 1, {}, ['a.example']]) expect(normalizeHostname(v)).toBeNull();
  });
});
