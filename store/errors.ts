/** Input that names something that does not exist or does not fit (an OAuth client of another provider). */
export class AccountInvalid extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'AccountInvalid';
  }
}

export class AccountNotFound extends Error {
  constructor(readonly accountId: string) {
    super(`account ${accountId} not found`);
    this.name = 'AccountNotFound';
  }
}

export class ConfigNotFound extends Error {
  constructor(id: string) {
    super(`no config with id ${id}`);
    this.name = 'ConfigNotFound';
  }
}

/** MongoDB's duplicate-key error: an insert whose unique key was taken, the compare-and-swap of several stores. */
export const isDuplicateKey = (err: unknown): boolean => (err as { code?: number }).code === 11000;
