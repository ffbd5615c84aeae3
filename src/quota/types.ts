/**
 * The QuotaEnforcer contract: how the homes' usage is measured and, where the filesystem can,
 * how a hard limit is set on a home. One backend per file beside this one (measure.ts, xfs.ts,
 * cephfs.ts), chosen by `storage.quota.backend`; what the hub does with the figures (warnings,
 * refused launches) is the same for all of them (home-quotas.ts).
 */

/** One user's home, as a backend needs it. */
export interface HomeOwner {
  userId: number;
  /** Also the home's folder name under homes.root (validated by the name pattern). */
  username: string;
}

export type QuotaBackend = 'measure' | 'xfs' | 'cephfs';

export interface QuotaEnforcer {
  readonly backend: QuotaBackend;
  /**
   * The allocated bytes (blocks on disk, not apparent sizes) of each home, by user name. A home
   * that does not exist yet counts 0; a home that could not be measured is left out (its last
   * figure stays). Throws when nothing could be measured at all.
   */
  measure(owners: readonly HomeOwner[]): Promise<Map<string, number>>;
  /**
   * Sets the hard limit of an existing home in bytes (null: no limit). The measure backend has
   * no hard limit and does nothing; the others throw a QuotaCommandError naming the command that
   * failed (a filesystem without quotas, a missing tool).
   */
  apply(owner: HomeOwner, limitBytes: number | null): Promise<void>;
}
