import { useEffect, useState } from 'react';

/** 'dark' or 'light', following the OS setting live (charts redraw their colours on a change). */
export function useColorScheme(): string {
  const query = '(prefers-color-scheme: dark)';
  const [scheme, setScheme] = useState(() => (typeof matchMedia === 'function' && matchMedia(query).matches ? 'dark' : 'light'));
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const mq = matchMedia(query);
    const on = () => setScheme(mq.matches ? 'dark' : 'light');
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return scheme;
}
