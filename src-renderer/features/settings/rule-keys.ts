/** Alert rule keys (shared/alerts/*-checks.ts) a user can mute, with what each one watches. */
export const RULE_KEYS: readonly { key: string; label: string }[] = [
  { key: 'vram-warning', label: 'VRAM past the warning level' },
  { key: 'vram-critical', label: 'VRAM past the critical level' },
  { key: 'vram-forecast', label: 'VRAM forecast to reach the critical level' },
  { key: 'other-app', label: 'Another app took VRAM' },
  { key: 'backend-down', label: 'LLM server stopped answering' },
  { key: 'unauthorized', label: 'LLM server refused the API key' },
  { key: 'spill', label: 'Model spilled to system RAM' },
  { key: 'kv-full', label: 'vLLM KV cache nearly full' },
  { key: 'kv-forecast', label: 'vLLM KV cache forecast to fill' },
  { key: 'preemptions', label: 'vLLM preempting requests' },
  { key: 'requests-waiting', label: 'vLLM requests waiting' },
  { key: 'context-full', label: 'Conversation context nearly full' },
  { key: 'context-forecast', label: 'Conversation context forecast to fill' },
];

/** The rule key of an alert id (`vram-critical:gpu:0` → `vram-critical`). */
export function ruleKeyOf(alertId: string): string {
  const i = alertId.indexOf(':');
  return i < 0 ? alertId : alertId.slice(0, i);
}
