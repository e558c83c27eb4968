import { useRef, useState } from 'react';

/** A command in a `<pre>` with a Copy button (clipboard API; selects the text where it is blocked). */
export function CopyCommand({ command, label }: { command: string; label: string }) {
  const [msg, setMsg] = useState('');
  const preRef = useRef<HTMLPreElement | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(command);
      setMsg('Copied.');
    } catch {
      const sel = window.getSelection();
      if (sel && preRef.current) {
        sel.selectAllChildren(preRef.current);
        setMsg('Selected: press Ctrl+C (⌘C) to copy.');
      } else setMsg('Copy it from the box.');
    }
  };
  return (
    <div className="copy-command">
      <pre ref={preRef} tabIndex={0} aria-label={label} data-testid="fix-command">
        <code>{command}</code>
      </pre>
      <div className="copy-row">
        <button type="button" className="btn btn-small" onClick={() => void copy()} aria-label={`Copy: ${label}`}>
          Copy
        </button>
        <span className="muted small" role="status">
          {msg}
        </span>
      </div>
    </div>
  );
}
