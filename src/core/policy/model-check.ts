// Is the requested model allowed by the resolved policy? The exact `model` is checked first, then `model_regex`.
import type { ResolvedPolicy } from './resolve.js';
import { cachedPattern } from './regex.js';

/** A sentence naming the model and the rule that refuses it, or undefined when allowed. */
export function modelRefusal(resolved: ResolvedPolicy, model: string): string | undefined {
  if (resolved.model && resolved.model !== model) {
    return `model "${model}" not allowed; policy requires "${resolved.model}"`;
  }
  if (resolved.modelRegex && !cachedPattern(resolved.modelRegex).test(model)) {
    return `model "${model}" does not match policy regex "${resolved.modelRegex}"`;
  }
  return undefined;
}
