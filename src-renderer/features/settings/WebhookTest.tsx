import { useState } from 'react';
import { useClient } from '../../transport/ClientProvider';

/** "Send test": one message to the webhook URL in the field (or the saved one), and what the receiver answered. */
export function WebhookTest({ url }: { url: string }) {
  const client = useClient();
  const [state, setState] = useState<{ busy: boolean; ok: boolean; message: string } | null>(null);
  const send = async () => {
    const target = url.trim();
    setState({ busy: true, ok: true, message: 'Sending a test message…' });
    const r = await client.call('testWebhook', { url: target || null });
    setState(r.ok ? { busy: false, ok: true, message: r.value.message } : { busy: false, ok: false, message: r.error.message.replace(/^url: /, '') });
  };
  return (
    <div className="webhook-test">
      <button type="button" className="btn btn-small" disabled={state?.busy} onClick={() => void send()}>
        Send test
      </button>
      {state && (
        <p role="status" className={`test-result small${state.busy ? '' : state.ok ? ' test-ok' : ' test-fail'}`} data-testid="webhook-test-result">
          {state.message}
        </p>
      )}
    </div>
  );
}
