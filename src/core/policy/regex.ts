// Policies come from the Go original, whose patterns are RE2 syntax. This translates the RE2
// spellings that JavaScript lacks (leading inline flags, (?P<name>), \A, \z) and rejects the rest
// with a message, so a policy that validates here behaves the same at request time.

export class PatternError extends Error {}

const LEADING_FLAGS = /^\(\?([imsU]+)\)/;

export function compilePattern(source: string): RegExp {
  let body = source;
  let flags = '';
  for (let m = LEADING_FLAGS.exec(body); m; m = LEADING_FLAGS.exec(body)) {
    for (const f of m[1]!) {
      if (f === 'U') throw new PatternError('the ungreedy flag (?U) is not supported');
      if (!flags.includes(f)) flags += f;
    }
    body = body.slice(m[0].length);
  }
  if (/\(\?[imsU-]+[:)]/.test(body)) {
    throw new PatternError('inline flags are only supported at the start of the pattern, e.g. (?i)word');
  }
  body = body.replace(/\(\?P</g, '(?<').replace(/\\A/g, '(?<![\\s\\S])').replace(/\\z/g, '(?![\\s\\S])');
  try {
    return new RegExp(body, flags + 'u');
  } catch {
    try {
      // Patterns written for RE2 may use escapes that are invalid in unicode mode (e.g. \-); retry without.
      return new RegExp(body, flags);
    } catch (err) {
      throw new PatternError((err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, ''));
    }
  }
}

/** Returns the error message for an invalid pattern, or undefined when it compiles. */
export function patternProblem(source: string): string | undefined {
  try {
    compilePattern(source);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const compiled = new Map<string, RegExp>();

/** compilePattern with a bounded cache: policies reuse a handful of patterns on every request. */
export function cachedPattern(source: string): RegExp {
  let re = compiled.get(source);
  if (!re) {
    if (compiled.size >= 1000) compiled.clear();
    re = compilePattern(source);
    compiled.set(source, re);
  }
  return re;
}
