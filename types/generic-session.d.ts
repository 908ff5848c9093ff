// Types for generic-session: the session manager, its options, the Session object, the Store API
// and the stores. Hand-written; the generated binding.d.ts describes only the addon. This module
// leaves `req.session` alone: index.d.ts (`require('generic-session')`) adds it to Node's
// IncomingMessage, express-store.d.ts (`require('generic-session/express-store')`) leaves it to
// express-session's types.

/// <reference types="node" />
import type { IncomingMessage, ServerResponse } from 'http'
import type { EventEmitter } from 'events'

declare namespace genericSession {
  type Callback<T = void> = (err: Error | null, result?: T) => void
  type DoneCallback = (err: Error | null) => void

  /** JSON-compatible data: what comes back equals `JSON.parse(JSON.stringify(value))`. */
  type SessionData = Record<string, unknown>

  /** A Keygrip-like signer (keygrip's own instances qualify). */
  interface KeygripLike {
    sign(data: string): string
    verify(data: string, digest: string): boolean
    index(data: string, digest: string): number
  }

  /** A Cookies-compatible manager (the `cookies` package qualifies); it then owns the cookie headers. */
  interface CookiesLike {
    get(name: string, opts?: { signed?: boolean; expires?: Date }): string | undefined
    set(name: string, value: string, opts?: {
      signed?: boolean;
      expires?: Date;
      path?: string;
      domain?: string;
      sameSite?: string
      secure?: boolean;
      httpOnly?: boolean;
      priority?: string;
      partitioned?: boolean
    }): unknown
  }

  /** The minimum of a request: `headers` (`cookie` is read), and `connection`/`socket` for TLS. */
  interface RequestLike {
    headers: { cookie?: string; 'x-forwarded-proto'?: string; [name: string]: unknown }
    connection?: { encrypted?: boolean }
    socket?: { encrypted?: boolean }
    protocol?: string
  }

  /** The minimum of a response: Set-Cookie is read and written through these. */
  interface ResponseLike {
    getHeader(name: string): unknown
    setHeader(name: string, value: string | string[]): unknown
    headersSent?: boolean
  }

  interface Options {
    /**
     * Signing secrets, newest first (cookies are signed Keygrip-compatibly, HMAC-SHA1), or a
     * Keygrip-like object used as is. Anything else (a lone string included) throws an Error whose
     * message starts `invalid keys provided: keys must be an array of secret strings or a
     * Keygrip-like object`. Defaults to none: unsigned cookies.
     */
    keys?: Array<string | Buffer> | KeygripLike
    /**
     * A Cookies-compatible object to read and write the cookie. What it reads is a token only when
     * it is 1 to 256 base64 characters, as without it; anything else starts a new session.
     * Defaults to none (native cookies).
     */
    cookies?: CookiesLike
    /**
     * Seconds the cookie lives, refreshed on every request; the store gets the same span in
     * milliseconds. A number or numeric string above 0, at most 100 years; above 400 days (what
     * browsers keep) a GenericSessionWarning says expire is in seconds. Defaults to 1209600 (2 weeks).
     */
    expire?: number | string
    /** Name of the session cookie (a cookie-name token). Defaults to `'s'`. */
    cookieName?: string
    /** `session.id = idPrefix + token`. Defaults to `'session:'`. */
    idPrefix?: string
    /**
     * The cookie's SameSite attribute: `'lax'`, `'strict'`, `'none'`, `true` (strict) or `false`
     * (no attribute). `'none'` needs `secure: true` (or a `__Host-`/`__Secure-` cookieName), else
     * it throws: browsers drop a SameSite=None cookie without Secure. Defaults to `'lax'`.
     */
    sameSite?: 'lax' | 'strict' | 'none' | 'Lax' | 'Strict' | 'None' | boolean
    /**
     * The cookie's Secure attribute: always, never, or `'auto'`: when the request came over TLS,
     * or, with `trustProxy`, when `X-Forwarded-Proto` says https. Defaults to `'auto'`. A
     * `__Host-` or `__Secure-` cookie name makes it always.
     */
    secure?: boolean | 'auto'
    /** Believe the nearest proxy's `X-Forwarded-Proto` for `secure: 'auto'`. Defaults to false. */
    trustProxy?: boolean
    /** The cookie's Domain attribute (not with a `__Host-` name). Defaults to none: this host only. */
    domain?: string
    /** The cookie's Path attribute (`'/'` for a `__Host-` name). Defaults to `'/'`. */
    path?: string
    /** The cookie's Partitioned attribute (CHIPS; needs `secure`). Defaults to false. */
    partitioned?: boolean
    /** The cookie's Priority attribute. Defaults to none. */
    priority?: 'low' | 'medium' | 'high' | 'Low' | 'Medium' | 'High'
    /** The cookie's HttpOnly attribute: hidden from page scripts. Defaults to true. */
    httpOnly?: boolean
    /**
     * A new session sends no cookie and costs no store call until its first `set`: visitors who
     * never write a session leave nothing behind. Defaults to false.
     */
    lazy?: boolean
    /**
     * A token no store knows (an empty session) is replaced by a fresh one on the first store
     * call, signed or not: made-up, planted and destroyed tokens never become sessions. Costs one
     * `getAll` per request that carries a token; `token` and `id` are final after the first call.
     * Defaults to false.
     */
    strict?: boolean
    /**
     * Absolute timeout in seconds, counted from the session's creation however active it is:
     * past it the session is deleted and a new one starts. Kept in the session as a hidden record
     * (never in getAll), carried over by regenerate, and the expiry every store is told never
     * passes it. Costs one `getAll` per request that carries a token. Defaults to none.
     */
    maxLifetime?: number | string
    /**
     * Sessions of a user: `session.setUser()` binds a session to a user, `listSessions()` and
     * `revokeOtherSessions()` act on that user's sessions, the store's `revokeSessions()` on any
     * user's. Every request of a bound session is checked against its user's epoch (one `getAll`
     * and one `get` per request that carries a token). Defaults to false.
     */
    users?: boolean
    /** Per user: at `setUser`, the oldest sessions beyond this many are revoked. Implies `users`. */
    maxSessions?: number

    // express-session's options: each throws a TypeError saying what to use here instead.
    /** express-session's: use `keys`, an array of secrets. Throws. */
    secret?: never
    /** express-session's: the cookie's attributes are top-level options here (`expire` in seconds, `path`, `domain`, `secure`, `sameSite`, `httpOnly`). Throws. */
    cookie?: never
    /** express-session's: use `lazy` (`saveUninitialized: false` is `lazy: true`). Throws. */
    saveUninitialized?: never
    /** express-session's: not needed, only the keys a request sets are written. Throws. */
    resave?: never
    /** express-session's: use `cookieName`. Throws. */
    name?: never
    /** express-session's: not needed, the expiry is refreshed on every request. Throws. */
    rolling?: never
    /** express-session's: no equivalent, ids are generated natively. Throws. */
    genid?: never
    /** express-session's: pass the store as the first argument of `middleware(store, options)`. Throws. */
    store?: never
    /** express-session's: use `session.del(key)` or `session.destroy()`. Throws. */
    unset?: never
    /** express-session's: use `trustProxy`. Throws. */
    proxy?: never
  }

  /**
   * The Store API: what a session calls and custom stores implement. `expire` is in
   * milliseconds. Callbacks must be called once, asynchronously; errors go to the callback.
   */
  interface Store {
    get(id: string, key: string, expire: number, callback: Callback<unknown>): void
    getAll(id: string, expire: number, callback: Callback<SessionData>): void
    set(id: string, key: string, value: unknown, expire: number, callback: DoneCallback): void
    del(id: string, key: string, expire: number, callback: DoneCallback): void
    delAll(id: string, callback: DoneCallback): void
    extend?(id: string, expire: number, callback?: DoneCallback): void
    /**
     * Optional: delAll that leaves a tombstone, so writes still in flight cannot bring the session
     * back. `session.destroy()` and `regenerate()` use it when present, else delAll. Every store of
     * this package has it.
     */
    revoke?(id: string, callback?: DoneCallback): void
    /**
     * Optional: `regenerate()`'s one step. The data goes to `toId` (a new id) with an `expire` ms
     * expiry, and `fromId` is revoked with a tombstone naming `toId`, so that a later
     * `revoke(fromId)` revokes `toId` too; a revoked or absent session moves nothing. Without it,
     * regenerate() runs getAll, set per key, revoke, which a racing destroy() can undo (README,
     * Store API). Every store of this package has it.
     */
    move?(fromId: string, toId: string, expire: number, callback?: DoneCallback): void
  }

  interface Session {
    /** The random token in the cookie (40 base64 characters when made here; new after regenerate). */
    readonly token: string
    /** `idPrefix + token`: the key the store sees. */
    readonly id: string
    readonly store: Store
    /** The options in effect, defaults filled in. */
    readonly options: Required<Pick<Options, 'expire' | 'cookieName' | 'idPrefix'>> & Options
    readonly request: RequestLike
    readonly response: ResponseLike
    /** When the cookie written for this request expires. */
    readonly expire: Date
    /** `expire` in milliseconds, as passed to the store. */
    readonly expireMs: number

    /** The value of `key` (`undefined` when missing); refreshes the expiry. */
    get(key: string, callback: Callback<any>): void
    get<T = any>(key: string): Promise<T | undefined>
    /** `get(cb)`, `get(null | '', cb)`: the whole session, as getAll. */
    get(callback: Callback<SessionData>): void
    get(key?: null | ''): Promise<SessionData>
    get(key: null | '', callback: Callback<SessionData>): void
    /** Every key of the session (`{}` when empty); refreshes the expiry. */
    getAll(callback: Callback<SessionData>): void
    getAll(): Promise<SessionData>
    /** Stores `value` (JSON-compatible); `set(key, cb)` and `set(key)` store `null`. */
    set(key: string, value: unknown, callback: DoneCallback): void
    set(key: string, callback: DoneCallback): void
    set(key: string, value?: unknown): Promise<void>
    /** Removes `key`. `del(cb)` and `del()` remove everything (delAll). */
    del(key: string, callback: DoneCallback): void
    del(callback: DoneCallback): void
    del(key?: string): Promise<void>
    /** Removes every key of this session; the cookie stays. */
    delAll(callback: DoneCallback): void
    delAll(): Promise<void>
    /**
     * A new token for this session's data: the data moves to the new id, the old id is emptied,
     * and the cookie carries the new token. Call it at login (the session fixation defence).
     * Fails, keeping the old token, when the store fails or the headers were already sent.
     */
    regenerate(callback: DoneCallback): void
    regenerate(): Promise<void>
    /** delAll, then expires the cookie so the client drops it. */
    destroy(callback: DoneCallback): void
    destroy(): Promise<void>
    /**
     * Binds this session to `userId` (options.users; call it after `regenerate()` at login).
     * `info`, a small object (at most 1024 characters of JSON), is shown in listings.
     */
    setUser(userId: string | number, info: UserSessionInfo, callback: DoneCallback): void
    setUser(userId: string | number, callback: DoneCallback): void
    setUser(userId: string | number, info?: UserSessionInfo): Promise<void>
    /** The user this session is bound to, or undefined. */
    getUser(callback: Callback<string | undefined>): void
    getUser(): Promise<string | undefined>
    /** This session's user's sessions, oldest first; `[]` when it is not bound. */
    listSessions(callback: Callback<CurrentUserSession[]>): void
    listSessions(): Promise<CurrentUserSession[]>
    /** Ends every other session of this session's user; how many were ended. */
    revokeOtherSessions(callback: Callback<number>): void
    revokeOtherSessions(): Promise<number>
  }

  type UserSessionInfo = Record<string, unknown>

  /** One session of a user, as the store lists it. */
  interface UserSession {
    /** A stable handle for the session (not its cookie token). */
    id: string
    /** When it was bound to the user (ms since the epoch). */
    created: number
    /** When it was last seen, within 1% of `expire` (ms since the epoch). */
    lastSeen: number
    info?: UserSessionInfo
  }

  interface CurrentUserSession extends UserSession {
    /** Whether it is the session asking. */
    current: boolean
  }

  interface UserIndexOptions {
    /** The sessions' idle lifetime in ms, when it is not the default (2 weeks). */
    expire?: number
  }

  /** A store's index methods (every store of this package has them; see `userIndexMethods`). */
  interface UserIndex {
    listSessions(userId: string | number, options: UserIndexOptions, callback: Callback<UserSession[]>): void
    listSessions(userId: string | number, callback: Callback<UserSession[]>): void
    listSessions(userId: string | number, options?: UserIndexOptions): Promise<UserSession[]>
    /** Ends every session of the user but `except` (a handle); how many were ended. */
    revokeSessions(userId: string | number, options: UserIndexOptions & { except?: string }, callback: Callback<number>): void
    revokeSessions(userId: string | number, callback: Callback<number>): void
    revokeSessions(userId: string | number, options?: UserIndexOptions & { except?: string }): Promise<number>
  }

  type Middleware = (req: IncomingMessage | RequestLike, res: ServerResponse | ResponseLike, next: (err?: unknown) => void) => void

  interface MemoryStoreOptions {
    cache?: {
      /**
       * Bound on the memory the stored sessions take, in bytes. Defaults to 64 MiB. Each session
       * counts its id, keys and values (JSON text), each rounded up to the allocator's block size,
       * plus 48 bytes per record and 135 per session for the store's structures: one 1-byte value
       * under a 40-character id counts 247 bytes. Least recently used sessions go first past it.
       */
      max?: number
      /** Idle lifetime in milliseconds, refreshed on every access. Defaults to 2 weeks. */
      maxAge?: number
    }
  }

  /** The store-wide calls this package's stores have (README, Store API: Enumeration). */
  interface StoreEnumeration {
    /** The ids of every live session (holding a key, not revoked, not expired; no internal record), in no order. */
    ids(callback: Callback<string[]>): void
    ids(): Promise<string[]>
    /** How many ids `ids` would list. */
    length(callback: Callback<number>): void
    length(): Promise<number>
    /** Removes everything the store holds (sessions, tombstones, users' indexes), and only that. */
    clear(callback: DoneCallback): void
    clear(): Promise<void>
  }

  /** The native in-process store: one record per key, LRU-bounded by bytes, idle expiry. */
  interface MemoryStore extends Store, UserIndex, StoreEnumeration {
    extend(id: string, expire: number, callback?: DoneCallback): void
    /** Sessions held. */
    readonly size: number
    /** Bytes the sessions held take in memory, as counted against `cache.max`. */
    readonly bytes: number
  }

  interface MemoryStoreConstructor {
    (options?: MemoryStoreOptions): MemoryStore
    new (options?: MemoryStoreOptions): MemoryStore
    prototype: MemoryStore
  }

  /**
   * What `LevelStore({ db })` needs of a database: a levelup (level@6 and older) or abstract-level
   * (classic-level, memory-level, level@8) object.
   */
  interface LevelDatabase {
    get(...args: any[]): any
    put(...args: any[]): any
    del(...args: any[]): any
    batch(...args: any[]): any
    iterator(...args: any[]): any
  }

  interface LevelStoreCommonOptions {
    /**
     * Also fsync the log before acknowledging, so acknowledged writes survive power loss, not only
     * a crash of the process. Costs a disk flush per group of writes. With `db`, `{ sync }` is
     * passed to the database with every write. Defaults to false.
     */
    sync?: boolean
    /** How often, in milliseconds, expired sessions are deleted from disk. Defaults to 60000. */
    sweepInterval?: number
  }

  interface LevelStoreLocationOptions extends LevelStoreCommonOptions {
    /** The database directory (created if missing). */
    location: string
    db?: undefined
    /**
     * Bytes of recently used sessions kept in memory; reads of cached sessions are answered on the
     * JavaScript thread. Defaults to 268435456 (256 MB); 0 turns the cache off.
     */
    cacheSize?: number
  }

  interface LevelStoreDbOptions extends LevelStoreCommonOptions {
    /**
     * The application's own open (or still opening) levelup or abstract-level database, shared:
     * every key the store writes starts with `!session!` (the prefix of `db.sublevel('session')`).
     * The store's `close()` does not close it. Durability is the database's.
     */
    db: LevelDatabase
    location?: undefined
    cacheSize?: undefined
  }

  type LevelStoreOptions = LevelStoreLocationOptions | LevelStoreDbOptions

  /**
   * Sessions in a directory of their own (fjall, on the store's own thread): they survive restarts,
   * and every acknowledged write survives the process being killed. One process may open a
   * location (the lock is held until `close`); a directory written by level-session 0.3.4 or by this
   * package's 0.2.0 is migrated in place on first open.
   * With `{ db }`: the same Store API in JavaScript over the application's database.
   */
  interface LevelStore extends Store, UserIndex, StoreEnumeration {
    extend(id: string, expire: number, callback?: DoneCallback): void
    /** The directory, resolved to an absolute path; undefined for a store on `db`. */
    readonly location?: string
    /** The application's database, for a store on `db`. */
    readonly db?: LevelDatabase
    /** Flushes, releases the directory's lock (a `db` is left open) and calls back; later operations fail. */
    close(callback?: DoneCallback): void
  }

  interface LevelStoreConstructor {
    (options: string | LevelStoreOptions): LevelStore
    new (options: string | LevelStoreOptions): LevelStore
    prototype: LevelStore
  }

  interface RedisStoreCommonOptions {
    /**
     * Put in front of every key; a session is the hash `<prefix>{<id>}`. Must not contain `{` or `}`.
     * Defaults to '' (the id already starts with `session:`).
     */
    prefix?: string
    /** How long one connection attempt may take, in milliseconds. Defaults to 2000. */
    connectTimeout?: number
    /**
     * How long an operation may take from the call to its callback, in milliseconds, reconnecting
     * and waiting behind the same session's earlier operations included. Defaults to 2000.
     */
    commandTimeout?: number
    /** Operations that may wait for Redis at once; past it calls fail at once. Defaults to 10000. */
    maxPending?: number
    /** TLS settings, with `rediss://` URLs only; `rediss://` without them verifies against the system's roots. */
    tls?: RedisTlsOptions
  }

  /** PEM text: a string, a Buffer, or an array of them. */
  type Pem = string | Buffer | Array<string | Buffer>

  interface RedisTlsOptions {
    /** CA certificates to trust instead of the operating system's roots. */
    ca?: Pem
    /** A client certificate (mutual TLS); with `key`. */
    cert?: Pem
    /** The client certificate's private key; with `cert`. */
    key?: Pem
    /** `false` accepts any server certificate (a self-signed server). Defaults to true. */
    rejectUnauthorized?: boolean
  }

  /**
   * The near-cache: sessions this process read recently, answered from its memory and kept
   * coherent by Redis (CLIENT TRACKING). `max` bounds it in bytes (default 64 MiB; 0: off).
   */
  interface RedisNearCacheOptions {
    max?: number
  }

  interface RedisStoreServerOptions extends RedisStoreCommonOptions {
    /**
     * One Redis or Valkey server: `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS.
     * Defaults to redis://127.0.0.1:6379.
     */
    url?: string
    /** The near-cache's bound, or false to turn it off. On by default (64 MiB); needs Redis 6+. */
    nearCache?: RedisNearCacheOptions | false
    cluster?: undefined
    sentinel?: undefined
  }

  interface RedisStoreClusterOptions extends RedisStoreCommonOptions {
    /** Seed nodes of a Redis Cluster, as redis:// (or rediss://) URLs; the rest are discovered. */
    cluster: string[]
    /** No near-cache on a Cluster (README, "Near-cache"). */
    nearCache?: false
    url?: undefined
    sentinel?: undefined
  }

  interface RedisSentinelOptions {
    /** The master's name, as in the sentinels' `sentinel monitor <name> ...`. */
    name: string
    /** The sentinels, as redis:// (or rediss://) URLs carrying the sentinels' own credentials. */
    nodes: string[]
    /** The master's username, password and database. */
    username?: string
    password?: string
    db?: number
  }

  interface RedisStoreSentinelOptions extends RedisStoreCommonOptions {
    /** The master Sentinel names; found again through the sentinels after a failover. */
    sentinel: RedisSentinelOptions
    /** The near-cache's bound, or false to turn it off. On by default (64 MiB). */
    nearCache?: RedisNearCacheOptions | false
    url?: undefined
    cluster?: undefined
  }

  type RedisStoreOptions = RedisStoreServerOptions | RedisStoreClusterOptions | RedisStoreSentinelOptions

  /**
   * Sessions in Redis or Valkey (one hash per session, idle expiry by PEXPIRE), shared by every
   * process that points at the same server or cluster. Connects on first use and reconnects on its own.
   */
  interface RedisStore extends Store, UserIndex, StoreEnumeration {
    extend(id: string, expire: number, callback?: DoneCallback): void
    /** The server's URL; undefined for a cluster or Sentinel. */
    readonly url?: string
    /** The cluster's seed nodes; undefined for one server. */
    readonly cluster?: string[]
    /** The master's name and the sentinels; undefined without Sentinel. */
    readonly sentinel?: { name: string, nodes: string[] }
    readonly prefix: string
    /** The near-cache's bound in bytes, or false when it is off. */
    readonly nearCache: { readonly max: number } | false
    /** Waits for pending operations, closes the connections and calls back; later operations fail. */
    close(callback?: DoneCallback): void
  }

  interface RedisStoreConstructor {
    (options?: string | RedisStoreOptions): RedisStore
    new (options?: string | RedisStoreOptions): RedisStore
    prototype: RedisStore
  }

  /** The lifecycle channels' names on `node:diagnostics_channel` (README, Events and metrics). */
  interface Channels {
    /** A new session: its cookie was written for the first time (with `lazy`, at its first write). */
    readonly created: 'generic-session:created'
    /** `session.regenerate()` moved a session to a new id. */
    readonly regenerated: 'generic-session:regenerated'
    /** `session.destroy()` revoked a session in its store. */
    readonly destroyed: 'generic-session:destroyed'
    /** A store found a session expired and removed it (MemoryStore, LevelStore; README says where). */
    readonly expired: 'generic-session:expired'
    /** A request's cookie or token was refused, and a new session started instead. */
    readonly rejected: 'generic-session:rejected'
  }

  /** Why a session was refused: a `generic-session:rejected` message's `reason`. */
  type RejectReason = 'bad signature' | 'malformed' | 'unknown token' | 'maxLifetime' | 'revoked user'

  /** What every lifecycle message carries (messages are frozen). */
  interface SessionEvent {
    /**
     * A keyed hash of the session id (`idPrefix + token`): HMAC-SHA256, truncated to 32 hex digits.
     * Never the id or the token. The same session hashes alike in every event of a process, and in
     * every process whose first signing keys share the newest key.
     */
    readonly id: string
    /** Whose session it is, when the publisher knows. */
    readonly user?: string
  }
  interface CreatedEvent extends SessionEvent {}
  interface RegeneratedEvent extends SessionEvent {
    /** The old id's hash. */
    readonly from: string
  }
  interface DestroyedEvent extends SessionEvent {}
  interface ExpiredEvent extends SessionEvent {
    /** The store's kind: `'MemoryStore'` or `'LevelStore'`. */
    readonly store: string
  }
  interface RejectedEvent extends SessionEvent {
    readonly reason: RejectReason
    /** For `'bad signature'` and `'malformed'`: the hash of what the cookie claimed, `idPrefix + its value`. */
    readonly id: string
  }

  /** One store kind's Session calls of one operation. */
  interface StoreCallMetrics {
    /** `'MemoryStore'`, `'LevelStore'`, `'RedisStore'`, or `'custom'` for any other store. */
    store: string
    /** The Store API method: `'get'`, `'getAll'`, `'set'`, `'del'`, `'delAll'`, `'revoke'`, `'move'`. */
    operation: string
    calls: number
    /** Calls whose callback got an error. */
    errors: number
    /** The calls' durations added up, from each call to its callback. */
    seconds: number
    /** Cumulative: calls that took at most `le` seconds, for each bound; past the last is every call. */
    buckets: Array<{ le: number; calls: number }>
  }

  /** A copy of the counters since the process started: plain data (JSON gives all of it). */
  interface Metrics {
    /** Sessions created (`generic-session:created`). */
    created: number
    regenerated: number
    destroyed: number
    /** Sessions found expired, by store kind (`MemoryStore` and `LevelStore` always present). */
    expired: Record<string, number>
    /** Refused cookies and tokens, by reason (every RejectReason present). */
    rejected: Record<RejectReason, number> & Record<string, number>
    /** Session→store calls by store kind and operation; only those that happened. */
    storeCalls: StoreCallMetrics[]
    /** The counters in Prometheus's text exposition format (0.0.4); names start `generic_session_`. */
    toPrometheus(): string
  }

  interface MetricsFunction {
    (): Metrics
    /** The Content-Type of `toPrometheus()`'s text: `text/plain; version=0.0.4; charset=utf-8`. */
    readonly contentType: string
  }

  /** level-session's filter: a middleware on its own LevelStore, with close(). */
  interface LevelSessionFilter extends Middleware {
    readonly store: LevelStore
    close(callback?: DoneCallback): void
  }

  interface LevelSession {
    /** A filter on a new LevelStore at `location`; other options go to genericSession. */
    (options: string | (LevelStoreOptions & Options)): LevelSessionFilter
    LevelStore: LevelStoreConstructor
  }
}

interface GenericSession {
  /** The session of one request; writes the session cookie on `res` at once. */
  (req: IncomingMessage | genericSession.RequestLike, res: ServerResponse | genericSession.ResponseLike,
    store: genericSession.Store, options?: genericSession.Options): genericSession.Session
  /** Middleware setting `req.session` and `res.session`, then calling `next()` synchronously. */
  middleware(store: genericSession.Store, options?: genericSession.Options): genericSession.Middleware
  /** The same function as `middleware`. */
  filter(store: genericSession.Store, options?: genericSession.Options): genericSession.Middleware
  MemoryStore: genericSession.MemoryStoreConstructor
  LevelStore: genericSession.LevelStoreConstructor
  RedisStore: genericSession.RedisStoreConstructor
  levelSession: genericSession.LevelSession
  /** listSessions and revokeSessions over any Store API: `Object.assign(MyStore.prototype, userIndexMethods)`. */
  userIndexMethods: genericSession.UserIndex
  /** The lifecycle channels' names on `node:diagnostics_channel`. */
  channels: genericSession.Channels
  /** The counters of lifecycle events, store errors and store call durations; `.toPrometheus()` renders them. */
  metrics: genericSession.MetricsFunction
}

// genericSession.expressStore: a store of this package as an express-session Store (and
// @fastify/session's). Structural, so this file compiles without @types/express-session; the
// result is assignable to its `Store` where that is installed. (A second block of the namespace,
// which TypeScript merges with the first.)
// eslint-disable-next-line @typescript-eslint/no-redeclare
declare namespace genericSession {
  interface ExpressStoreOptions {
    /** Put before express-session's sid to make the store's id. Not `'\u0000'` first. Defaults to `'sess:'`. */
    prefix?: string
    /** Seconds a session lives whose cookie has no `expires` or `maxAge` (a browser-session cookie). Defaults to 1209600 (2 weeks). */
    expire?: number
    /** The express-session module, `require('express-session')`, where generic-session cannot require it itself (pnpm, bundlers). */
    expressSession?: { Store: abstract new () => object }
  }

  /**
   * A session as express-session and @fastify/session hand it to their store: its properties, each
   * stored as one key, and `cookie`, whose `expires` (or `maxAge`) sets the session's lifetime.
   */
  interface ExpressSessionData {
    cookie?: object
  }

  type ExpressSessionCallback = (err?: any) => void

  interface ExpressStore extends EventEmitter {
    /** The session, or null (none, or its cookie expired). */
    get(sid: string, callback: (err: any, session?: any) => void): void
    set(sid: string, session: ExpressSessionData, callback?: ExpressSessionCallback): void
    destroy(sid: string, callback?: ExpressSessionCallback): void
    /** Extends the session by its cookie's lifetime, writing its `cookie` key and nothing else. */
    touch(sid: string, session: ExpressSessionData, callback?: ExpressSessionCallback): void
    /** `{ sid: session }` of every live session under the prefix: one read of each (needs the store's `ids`). */
    all(callback: (err: any, sessions?: any) => void): void
    /** How many sessions `all` gives (with `prefix: ''`, the store's own `length`). */
    length(callback: (err: any, length?: number) => void): void
    clear(callback?: ExpressSessionCallback): void
    // express-session's own Store methods, which it calls with its request and Session types.
    regenerate(req: any, callback: (err?: any) => any): void
    load(sid: string, callback: (err: any, session?: any) => any): void
    createSession(req: any, session: any): any
  }
}

interface GenericSession {
  /** `store` (any Store API object) as an express-session Store, for `session({ store })` or `@fastify/session`. */
  expressStore(store: genericSession.Store, options?: genericSession.ExpressStoreOptions): genericSession.ExpressStore
}

// One name for the types (the namespace above) and the value, as `require('generic-session')` gives it.
// eslint-disable-next-line @typescript-eslint/no-redeclare
declare const genericSession: GenericSession
export = genericSession
