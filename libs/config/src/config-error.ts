/** A bad environment variable: the message names it (`PORT: must be a port number 1-65535, got "abc"`). */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}
