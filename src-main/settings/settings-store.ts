/**
 * Settings persisted as JSON in the OS user-data folder.
 *
 * - Validated with zod on load and before every save.
 * - Written atomically: a temp file in the same folder, flushed, then renamed over the old file.
 * - A file that cannot be parsed or validated is moved aside (`settings.corrupt-<time>.json`),
 *   never overwritten; defaults load and `notices()` says what happened, for the UI.
 * - API keys are encrypted through the injected `SecretEncryptor` (Electron safeStorage in the
 *   app); stored in plain text only where no OS encryption exists, and the notices say so.
 *
 * No Electron import here: the encryptor is passed in, so this runs (and is tested) in plain Node.
 */
import { join } from 'node:path';
import { describeZodError } from '../../shared/contract/schemas';
import { err, ok, type Result } from '../../shared/contract/result';
import type { Logger } from '../util/logger';
import { errorCode, FILE_TOO_LARGE, nodeSettingsFs, NOT_REGULAR_FILE, readRegularFileSync, renameWithRetry, writeFileAtomically, type SettingsFs } from './settings-fs';

export type { SettingsFs } from './settings-fs';
import {
  appSettingsSchema,
  defaultSettings,
  persistedSettingsSchema,
  SETTINGS_VERSION,
  type AppSettings,
  type BackendSetting,
  type PersistedSettings,
  type StoredSecret,
} from './settings-schema';

/** OS-backed string encryption (Electron `safeStorage` in the app; a fake in tests). */
export interface SecretEncryptor {
  /** True when `encrypt` uses an OS-protected key. */
  isAvailable(): boolean;
  encrypt(plainText: string): Buffer;
  /** Throws when the ciphertext cannot be decrypted (other user, keychain reset). */
  decrypt(cipherText: Buffer): string;
}

/** For systems without OS encryption (and tests): keys are stored in plain text, with a notice. */
export const noEncryption: SecretEncryptor = {
  isAvailable: () => false,
  encrypt: () => {
    throw new Error('No OS encryption is available.');
  },
  decrypt: () => {
    throw new Error('No OS encryption is available.');
  },
};

export interface SettingsLoad {
  settings: AppSettings;
  /** Sentences for the UI (corrupt file moved aside, key not decryptable, keys in plain text). */
  notices: string[];
  /** True when no settings file existed. */
  isFirstRun: boolean;
}

export interface SettingsStore {
  readonly filePath: string;
  /** Reads the file once at start. Never throws: failures become defaults plus a notice. */
  load(): Promise<SettingsLoad>;
  /** The settings in effect (defaults before `load`). */
  current(): AppSettings;
  /** Applies `change`, validates, and saves atomically. Updates run one at a time, in order. */
  update(change: (current: AppSettings) => AppSettings): Promise<Result<AppSettings>>;
  /** What the UI should tell the user about the settings file (empty when all is well). */
  notices(): readonly string[];
  /** Resolves once every update queued so far has been written (or failed). For quitting. */
  whenIdle(): Promise<void>;
}

export interface SettingsStoreOptions {
  /** The OS user-data folder (`app.getPath('userData')`). */
  dir: string;
  encryptor: SecretEncryptor;
  logger: Logger;
  fileName?: string;
  fs?: Partial<SettingsFs>;
  /** Clock for the moved-aside file name (epoch ms). */
  nowMs?: () => number;
}

export function createSettingsStore(options: SettingsStoreOptions): SettingsStore {
  const fs: SettingsFs = { ...nodeSettingsFs, ...options.fs };
  const fileName = options.fileName ?? 'settings.json';
  const filePath = join(options.dir, fileName);
  const nowMs = options.nowMs ?? Date.now;
  const { encryptor, logger } = options;
  let settings = defaultSettings();
  let notices: string[] = [];
  /** Set when the file on disk must not be replaced this session (unreadable, not movable). */
  let readOnlyReason: string | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  /** Encrypted keys that could not be decrypted here, by backend URL, kept as stored. */
  const locked = new Map<string, StoredSecret>();

  const note = (message: string) => {
    notices.push(message);
    logger.warn(message);
  };

  function encryptSecret(plain: string | null): StoredSecret | null {
    if (plain == null) return null;
    if (encryptor.isAvailable()) return { scheme: 'safeStorage', data: encryptor.encrypt(plain).toString('base64') };
    return { scheme: 'plain', value: plain };
  }

  function decryptBackends(stored: PersistedSettings['backends']): { backends: BackendSetting[]; needsResave: boolean } {
    let needsResave = false;
    let hasPlain = false;
    const backends = stored.map((b): BackendSetting => {
      const base = { ...(b.kind ? { kind: b.kind } : {}), url: b.url, ...(b.logPath ? { logPath: b.logPath } : {}) };
      if (!b.apiKey) return { ...base, apiKey: null };
      if (b.apiKey.scheme === 'plain') {
        if (encryptor.isAvailable()) needsResave = true;
        else hasPlain = true;
        return { ...base, apiKey: b.apiKey.value };
      }
      if (!encryptor.isAvailable()) {
        note(`The API key for ${b.url} is encrypted, but OS encryption is not available now. Unlock the keychain and restart, or enter the key again.`);
        locked.set(b.url, b.apiKey);
        return { ...base, apiKey: null };
      }
      try {
        return { ...base, apiKey: encryptor.decrypt(Buffer.from(b.apiKey.data, 'base64')) };
      } catch (e) {
        note(`The API key for ${b.url} could not be decrypted (${errorCode(e)}); the OS keychain may have changed. Enter the key again.`);
        locked.set(b.url, b.apiKey);
        return { ...base, apiKey: null };
      }
    });
    if (hasPlain) note(plainTextNotice());
    return { backends, needsResave };
  }

  /** Watched servers' tokens (issue 15): the same scheme as API keys; undecryptable ones kept as stored. */
  function decryptFleet(stored: PersistedSettings['fleet']): { fleet: AppSettings['fleet']; needsResave: boolean } {
    let needsResave = false;
    const servers = stored.servers.map((w) => {
      const base = { url: w.url, label: w.label };
      if (!w.token) return { ...base, token: null };
      if (w.token.scheme === 'plain') {
        if (encryptor.isAvailable()) needsResave = true;
        return { ...base, token: w.token.value };
      }
      try {
        if (!encryptor.isAvailable()) throw new Error('OS encryption is not available now');
        return { ...base, token: encryptor.decrypt(Buffer.from(w.token.data, 'base64')) };
      } catch (e) {
        note(`The token for the watched server ${w.url} could not be decrypted (${errorCode(e)}). Enter it again in Settings → Servers to watch.`);
        locked.set(`fleet:${w.url}`, w.token);
        return { ...base, token: null };
      }
    });
    return { fleet: { servers, trayScope: stored.trayScope }, needsResave };
  }

  const plainTextNotice = () =>
    `API keys are stored in plain text in ${filePath} because this system offers no OS encryption. On Linux, install and unlock a keyring (GNOME Keyring or KWallet) and save the keys again.`;

  function serialize(s: AppSettings): string {
    // A key this process could not decrypt (another OS user, the desktop app's keychain seen from
    // `headroom serve`) is written back as it was: saving other settings never loses it.
    const persisted: PersistedSettings = {
      ...s,
      backends: s.backends.map((b) => ({ ...b, apiKey: b.apiKey === null && locked.has(b.url) ? locked.get(b.url)! : encryptSecret(b.apiKey) })),
      fleet: {
        trayScope: s.fleet.trayScope,
        servers: s.fleet.servers.map((w) => ({ ...w, token: w.token === null && locked.has(`fleet:${w.url}`) ? locked.get(`fleet:${w.url}`)! : encryptSecret(w.token) })),
      },
    };
    return `${JSON.stringify(persisted, null, 2)}\n`;
  }

  async function moveAside(reason: string): Promise<void> {
    const stamp = new Date(nowMs()).toISOString().replace(/[:.]/g, '-');
    const base = fileName.replace(/\.json$/i, '');
    let target = join(options.dir, `${base}.corrupt-${stamp}.json`);
    for (let n = 1; await fs.exists(target); n++) target = join(options.dir, `${base}.corrupt-${stamp}-${n}.json`);
    try {
      await renameWithRetry(fs, filePath, target);
      note(`Settings file ${filePath} ${reason}. It was moved to ${target} and defaults were loaded.`);
    } catch (e) {
      readOnlyReason = `the settings file ${filePath} could not be moved aside (${errorCode(e)})`;
      note(`Settings file ${filePath} ${reason}, and it could not be moved aside (${errorCode(e)}). Defaults are in use and changes will not be saved this session, so the file is left as it is.`);
    }
  }

  async function load(): Promise<SettingsLoad> {
    notices = [];
    readOnlyReason = null;
    settings = defaultSettings();
    let text: string;
    try {
      text = await fs.readFile(filePath, 'utf8');
    } catch (e) {
      const code = errorCode(e);
      if (code === 'ENOENT') return { settings, notices: [], isFirstRun: true };
      readOnlyReason = `the settings file ${filePath} could not be read (${code})`;
      const next =
        code === NOT_REGULAR_FILE || code === 'EISDIR'
          ? 'Replace it with a regular file, or remove it.'
          : code === FILE_TOO_LARGE
            ? 'A settings file is a few KB: move this one away.'
            : "Check the file's permissions.";
      note(`Could not read settings file ${filePath} (${code === 'EISDIR' ? NOT_REGULAR_FILE : code}). Defaults are in use and changes will not be saved this session. ${next}`);
      return { settings, notices: [...notices], isFirstRun: false };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      await moveAside(jsonProblem(text));
      return { settings, notices: [...notices], isFirstRun: false };
    }
    const version = (raw as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version > SETTINGS_VERSION) {
      await moveAside(`was written by a newer Headroom (settings version ${version}, this one reads ${SETTINGS_VERSION})`);
      return { settings, notices: [...notices], isFirstRun: false };
    }
    const parsed = persistedSettingsSchema.safeParse(raw);
    if (!parsed.success) {
      await moveAside(`did not match the expected format (${describeZodError(parsed.error)})`);
      return { settings, notices: [...notices], isFirstRun: false };
    }
    const { backends, needsResave: backendsResave } = decryptBackends(parsed.data.backends);
    const { fleet, needsResave: fleetResave } = decryptFleet(parsed.data.fleet);
    settings = { ...parsed.data, backends, fleet };
    if (backendsResave || fleetResave) {
      // Keys written in plain text while no encryption existed: encrypt them now that it does.
      try {
        await writeFileAtomically(fs, options.dir, filePath, serialize(settings));
        logger.info(`Encrypted the API keys in ${filePath} with OS encryption.`);
      } catch (e) {
        note(`API keys in ${filePath} are in plain text and could not be re-saved encrypted (${errorCode(e)}).`);
      }
    }
    return { settings, notices: [...notices], isFirstRun: false };
  }

  async function applyUpdate(change: (current: AppSettings) => AppSettings): Promise<Result<AppSettings>> {
    let next: AppSettings;
    try {
      next = change(settings);
    } catch (e) {
      return err('internal', `Settings change failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const valid = appSettingsSchema.safeParse(next);
    if (!valid.success) return err('bad-request', `Settings not saved: ${describeZodError(valid.error)}`);
    const checked = valid.data as AppSettings;
    if (readOnlyReason) {
      settings = checked;
      return err('unavailable', `Settings apply until Headroom quits but are not saved: ${readOnlyReason}.`);
    }
    try {
      await writeFileAtomically(fs, options.dir, filePath, serialize(checked));
    } catch (e) {
      const message = `Could not save settings to ${filePath} (${errorCode(e)}). Is the folder writable?`;
      logger.error(message);
      return err('unavailable', message);
    }
    const hadPlainNotice = notices.includes(plainTextNotice());
    settings = checked;
    if (!encryptor.isAvailable() && checked.backends.some((b) => b.apiKey) && !hadPlainNotice) note(plainTextNotice());
    return ok(settings);
  }

  return {
    filePath,
    load,
    current: () => settings,
    update(change) {
      const run = queue.then(() => applyUpdate(change));
      queue = run.catch(() => undefined);
      return run;
    },
    notices: () => [...notices],
    whenIdle: () => queue.then(() => undefined),
  };
}

/**
 * Reads a settings file without changing anything (for one-shot commands such as
 * `headroom status`): defaults when it is missing or invalid (with a notice), plain-text keys
 * as stored, encrypted keys left out (they need the desktop app's OS keychain).
 */
export function readSettingsReadOnly(path: string): { settings: AppSettings; notice: string | null } {
  let text: string;
  try {
    text = readRegularFileSync(path);
  } catch (e) {
    const code = errorCode(e);
    return { settings: defaultSettings(), notice: code === 'ENOENT' ? null : `${path} could not be read (${code}); using defaults.` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { settings: defaultSettings(), notice: `${path} is not valid JSON; using defaults.` };
  }
  const parsed = persistedSettingsSchema.safeParse(json);
  if (!parsed.success) return { settings: defaultSettings(), notice: `${path} does not match the settings schema; using defaults.` };
  const backends = parsed.data.backends.map((b): BackendSetting => ({
    ...(b.kind ? { kind: b.kind } : {}), url: b.url, apiKey: b.apiKey?.scheme === 'plain' ? b.apiKey.value : null, ...(b.logPath ? { logPath: b.logPath } : {}),
  }));
  const servers = parsed.data.fleet.servers.map((w) => ({ url: w.url, label: w.label, token: w.token?.scheme === 'plain' ? w.token.value : null }));
  return { settings: { ...parsed.data, backends, fleet: { servers, trayScope: parsed.data.fleet.trayScope } }, notice: null };
}

const JSON_MAX_DEPTH = 512;

/**
 * Why `text` is not JSON, as words for the "moved aside" notice: where (line and column) and what
 * was expected, never V8's raw error text (which quotes the file's content and changes between
 * Node versions). `text` is one that `JSON.parse` refused.
 */
export function jsonProblem(text: string): string {
  if (text.trim() === '') return 'was empty, which is not valid JSON';
  if (text.charCodeAt(0) === 0xfeff) return 'starts with a byte-order mark, which JSON does not allow (save it as UTF-8 without BOM)';
  let i = 0;
  const fail = (expected: string): never => {
    throw new JsonProblem(i, expected);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const str = () => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('a closing quote before the end of the line');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === undefined) break;
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('four hexadecimal digits after \\u');
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e)) fail('a valid escape after a backslash');
        i += 2;
        continue;
      }
      i++;
    }
    fail('a closing quote');
  };
  const value = (depth: number) => {
    if (depth > JSON_MAX_DEPTH) fail(`at most ${JSON_MAX_DEPTH} levels of nesting`);
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') fail('a property name in double quotes');
          str();
          ws();
          if (text[i] !== ':') fail('a colon after the property name');
          i++;
        }
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === close) {
          i++;
          return;
        }
        fail(`a comma or "${close}"`);
      }
    }
    if (c === '"') return str();
    const num = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    num.lastIndex = i;
    if (num.test(text)) {
      i = num.lastIndex;
      return;
    }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    fail('a value (an object, array, string, number, true, false or null)');
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail('nothing after the end of the settings object');
  } catch (e) {
    if (!(e instanceof JsonProblem)) throw e;
    if (e.offset >= text.length) return 'was not valid JSON: it ends before the JSON is complete (it may have been cut short)';
    const before = text.slice(0, e.offset);
    const line = before.split('\n').length;
    const column = e.offset - before.lastIndexOf('\n');
    return `was not valid JSON: at line ${line}, column ${column} Headroom expected ${e.expected}`;
  }
  return 'was not valid JSON';
}

class JsonProblem {
  constructor(readonly offset: number, readonly expected: string) {}
}
