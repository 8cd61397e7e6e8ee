/** The part of dynalite's API the DynamoDB stand-in uses; the package ships no types. */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** LevelDB directory; in memory when absent. */
    path?: string;
    /** How long tables stay CREATING, DELETING and UPDATING (500 ms each by default). */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    /** 400 by default, as DynamoDB. */
    maxItemSizeKb?: number;
    verbose?: boolean;
    debug?: boolean;
    ssl?: boolean;
  }

  /** An http.Server whose close() also closes the database once requests drain. */
  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}
