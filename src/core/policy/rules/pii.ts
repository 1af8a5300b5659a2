// PII detectors: the reference's eleven types, tightened where its patterns matched look-alikes (credit cards need
// a valid Luhn checksum and a known issuer prefix and may contain spaces or dashes; SSNs exclude numbers the SSA
// never issues) and widened where they missed real secrets (API keys with inner dashes such as sk-proj-…, whole
// private-key blocks, github_pat_ tokens, postgresql:// and mongodb+srv:// URLs).
import type { PiiType } from '../pii-types.js';

export interface PiiDetector {
  readonly type: PiiType;
  /** The label used in rule messages, as the original printed it. */
  readonly label: string;
  /** Global regex; every match is a candidate. */
  readonly pattern: RegExp;
  /** Extra check on a candidate; a candidate that fails it is not PII. */
  readonly accept?: (match: string) => boolean;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const CARD_PREFIX = /^(?:4|5[1-5]|2(?:2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[47]|6(?:011|5))/;

function isCardNumber(match: string): boolean {
  const digits = match.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  return CARD_PREFIX.test(digits) && luhn(digits);
}

function isIssuableSsn(match: string): boolean {
  const [area, group, serial] = match.split('-');
  return area !== '000' && area !== '666' && !area!.startsWith('9') && group !== '00' && serial !== '0000';
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const KEY_KIND = '(?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?';

export const PII_DETECTORS: Readonly<Record<PiiType, PiiDetector>> = {
  ssn: { type: 'ssn', label: 'Social Security Number', pattern: /\b\d{3}-\d{2}-\d{4}\b/g, accept: isIssuableSsn },
  credit_card: { type: 'credit_card', label: 'Credit Card Number', pattern: /\b\d(?:[ -]?\d){12,18}\b/g, accept: isCardNumber },
  email: { type: 'email', label: 'Email Address', pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g },
  phone: { type: 'phone', label: 'Phone Number', pattern: /(?<![\w.-])(?:\+?1[-.\s]?)?\(?\d{3}\)?[-.\s]?\d{3}[-.\s]?\d{4}\b/g },
  ip_address: { type: 'ip_address', label: 'IP Address', pattern: new RegExp(`(?<![\\d.])${OCTET}(?:\\.${OCTET}){3}(?![\\d.]*\\d)`, 'g') },
  aws_key: { type: 'aws_key', label: 'AWS Access Key', pattern: /\b(?:AKIA|ABIA|ACCA|ASIA)[0-9A-Z]{16}\b/g },
  api_key: { type: 'api_key', label: 'API Key', pattern: /\b(?:sk|key|api|token|secret)[-_][A-Za-z0-9][A-Za-z0-9_-]{19,}/g },
  jwt: { type: 'jwt', label: 'JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g },
  private_key: {
    type: 'private_key',
    label: 'Private Key',
    pattern: new RegExp(`-----BEGIN ${KEY_KIND}PRIVATE KEY-----(?:[\\s\\S]*?-----END ${KEY_KIND}PRIVATE KEY-----)?`, 'g'),
  },
  connection_string: {
    type: 'connection_string',
    label: 'Database Connection String',
    pattern: /\b(?:mongodb(?:\+srv)?|postgres(?:ql)?|mysql|mariadb|redis|rediss|mssql|sqlserver|amqps?):\/\/[^\s'"`<>]+/g,
  },
  github_token: { type: 'github_token', label: 'GitHub Token', pattern: /\b(?:(?:ghp|gho|ghs|ghr|ghu)_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/g },
};

export interface Span {
  readonly start: number;
  readonly end: number;
  readonly label: string;
}

/** Every occurrence of one PII type in `text`. */
export function findPii(type: PiiType, text: string): Span[] {
  const detector = PII_DETECTORS[type];
  const spans: Span[] = [];
  detector.pattern.lastIndex = 0;
  for (let m = detector.pattern.exec(text); m; m = detector.pattern.exec(text)) {
    if (m[0].length === 0) {
      detector.pattern.lastIndex++;
      continue;
    }
    if (!detector.accept || detector.accept(m[0])) spans.push({ start: m.index, end: m.index + m[0].length, label: detector.label });
  }
  return spans;
}
