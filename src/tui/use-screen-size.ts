// The terminal's size, following resizes; 80x24 when the output is not a terminal (tests, pipes).
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

export interface ScreenSize {
  readonly columns: number;
  readonly rows: number;
}

export function useScreenSize(): ScreenSize {
  const { stdout } = useStdout();
  const read = (): ScreenSize => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => {
      const next = read();
      setSize((old) => (old.columns === next.columns && old.rows === next.rows ? old : next));
    };
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
