/** The OS user-data folder Headroom uses by default (same place Electron's app.getPath('userData') gives for "Headroom"). */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env.HEADROOM_DATA_DIR) return env.HEADROOM_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Headroom');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Headroom');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Headroom');
}
