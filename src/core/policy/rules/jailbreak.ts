// Jailbreak heuristics: the reference's eight families, case-insensitive, with its gap closed ("ignore all previous
// instructions" is caught too). Any match means the text is an attempt.

export const JAILBREAK_PATTERNS: ReadonlyArray<{ readonly name: string; readonly pattern: RegExp }> = [
  { name: 'ignore_previous', pattern: /ignore\s+(?:all\s+)?(?:of\s+)?(?:your\s+|the\s+)?(?:previous|prior|above|earlier)\s+(?:instructions|rules|guidelines|prompts?)/i },
  { name: 'forget_previous', pattern: /forget\s+(?:all\s+)?(?:your\s+)?(?:previous|earlier|prior)\s+(?:instructions|rules|constraints)/i },
  { name: 'disregard_instructions', pattern: /(?:disregard|abandon|drop|remove)\s+(?:all\s+)?(?:your\s+)?(?:instructions|rules|constraints|guidelines)/i },
  { name: 'developer_mode', pattern: /developer\s+mode|test\s+mode|debug\s+mode|you\s+are\s+in\s+\w+\s+mode/i },
  { name: 'bypass_safety', pattern: /(?:bypass|disable|remove|override|circumvent)\s+(?:all\s+)?(?:your\s+)?(?:safety|security|ethical|content\s+)?\s*(?:filters?|guardrails?|restrictions?)/i },
  { name: 'harmful_roleplay', pattern: /(?:act\s+as|roleplay|pretend|imagine|assume|you\s+are)\s+(?:\w+\s+){0,6}(?:unrestricted|unconstrained|unfiltered|jailbroken|hacker|evil|malicious|unethical)/i },
  { name: 'hypothetical_harm', pattern: /(?:hypothetically|for\s+research|for\s+academic|as\s+a\s+test|in\s+a\s+scenario)[^\n]*(?:exploit|harmful|illegal|unethical|violence|hack)/i },
  { name: 'known_jailbreaks', pattern: /\b(?:DAN|UCAR|Coach|AIM|STAN|TalkGPT|BadGPT|BadAI)\s*:/i },
];

/** The name of the first heuristic that matches, or undefined for benign text. */
export function detectJailbreak(text: string): string | undefined {
  for (const { name, pattern } of JAILBREAK_PATTERNS) if (pattern.test(text)) return name;
  return undefined;
}
