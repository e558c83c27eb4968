import { useCallback, useEffect, useState } from 'react';
import type { SettingsPatch, SettingsView } from '../../shared/contract/settings';
import type { Result } from '../../shared/contract/result';
import { useClient } from '../transport/ClientProvider';

export interface SettingsState {
  settings: SettingsView | null;
  /** Why the settings could not be read (a sentence), else null. */
  loadError: string | null;
  /** Saves a patch; on success the returned view replaces `settings`. */
  save(patch: SettingsPatch): Promise<Result<SettingsView>>;
}

/**
 * What the Settings page says when the server refuses to read the settings to this session:
 * `getSettings` needs the admin role (its webhook URL is often a secret), so a dashboard opened
 * with a viewer token lands here.
 */
export const ADMIN_TOKEN_NEEDED =
  'admin token needed. This dashboard was opened with a viewer token, which shows every host and alert but cannot read or change the settings (servers to watch included). Open it with an admin token: "headroom token create --role admin" on the server, then /?token=…';

/** The settings in effect, read once through the contract, replaced by each successful save. */
export function useSettings(): SettingsState {
  const client = useClient();
  const [settings, setSettings] = useState<SettingsView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    void client.call('getSettings', undefined).then((r) => {
      if (!alive) return;
      if (r.ok) setSettings(r.value);
      else setLoadError(r.error.code === 'forbidden' && /admin token needed/.test(r.error.message) ? ADMIN_TOKEN_NEEDED : r.error.message);
    });
    return () => {
      alive = false;
    };
  }, [client]);

  const save = useCallback(
    async (patch: SettingsPatch) => {
      const r = await client.call('updateSettings', patch);
      if (r.ok) setSettings(r.value);
      return r;
    },
    [client],
  );

  return { settings, loadError, save };
}
