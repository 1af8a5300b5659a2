// Colours for the dashboard, off when NO_COLOR is set to anything non-empty (https://no-color.org).
import { createContext, useContext } from 'react';

export type Tone = 'good' | 'warn' | 'bad' | 'accent' | 'dim';

export interface Theme {
  readonly color: boolean;
}

const COLORS: Record<Tone, string> = { good: 'green', warn: 'yellow', bad: 'red', accent: 'cyan', dim: 'gray' };

export function themeFor(env: NodeJS.ProcessEnv = process.env): Theme {
  return { color: !env.NO_COLOR };
}

export const ThemeContext = createContext<Theme>({ color: true });

/** `tone('bad')` is the Ink colour for that tone, or undefined without colours. */
export function useTone(): (tone: Tone) => string | undefined {
  const { color } = useContext(ThemeContext);
  return (tone) => (color ? COLORS[tone] : undefined);
}
