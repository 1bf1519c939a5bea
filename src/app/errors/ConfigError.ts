import { MediaferryError } from '../../shared/errors/MediaferryError.js';

/** App settings are missing or invalid; the message names each bad setting and where to set it. */
export class ConfigError extends MediaferryError {
  readonly code = 'BAD_CONFIG';
  /** Retrying cannot help until an operator changes the settings. */
  readonly retryable = false;
  constructor(readonly problems: { setting: string; message: string }[]) {
    super(
      `Invalid configuration: ${problems.map((p) => `${p.setting}: ${p.message}`).join('; ')}. ` +
        'Set these in local.settings.json (locally) or the Function App settings (Azure).',
    );
    this.name = 'ConfigError';
  }
}
