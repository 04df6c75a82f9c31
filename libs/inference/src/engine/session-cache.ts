import type { InferenceSession } from 'onnxruntime-node';
import type { ModelOnDisk } from './external-data';
import { OnnxComponent, RunStats } from './onnx-component';

export interface SessionCacheOptions {
  /** Approximate memory the cached sessions may hold, in bytes (file sizes of the loaded components). */
  memoryBudgetBytes: number;
  sessionOptions: InferenceSession.SessionOptions;
  stats?: RunStats;
  /** Opens a session (injectable for tests of the cache policy). */
  open?: (label: string, source: string | Uint8Array, options: InferenceSession.SessionOptions, stats?: RunStats) => Promise<OnnxComponent>;
}

export interface SessionRequest {
  /** Cache key: the file plus any variant (merged LoRAs, …). */
  key: string;
  file: string;
  /** Approximate cost in bytes. */
  bytes: number;
  /** Catalogue id of the model this session belongs to (for model-affinity routing). */
  modelKey: string;
  /** Readable name for errors and stats, e.g. "unet". */
  label: string;
  /**
   * Builds the model instead of opening `file` (variants such as merged LoRA weights): in memory, or as a folder of
   * its own (models with external data) that goes away once the session is open.
   */
  build?: () => Promise<Uint8Array | ModelOnDisk>;
}

interface Entry {
  request: SessionRequest;
  component: Promise<OnnxComponent>;
  users: number;
  lastUsed: number;
}

/** A session checked out of the cache; call `release()` when the run no longer needs it. */
export interface SessionLease {
  component: OnnxComponent;
  release(): void;
}

/**
 * Loaded ONNX sessions, least recently used evicted first once their summed size passes the budget. Sessions in use
 * by a run are never evicted: the cache may exceed its budget while they are held, and shrinks when they come back.
 * Concurrent requests for the same key share one load.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private clock = 0;
  private readonly open: NonNullable<SessionCacheOptions['open']>;

  constructor(private readonly options: SessionCacheOptions) {
    this.open = options.open ?? ((label, source, o, stats) => OnnxComponent.open(label, source, o, stats));
  }

  private async load(request: SessionRequest): Promise<OnnxComponent> {
    const open = (source: string | Uint8Array) => this.open(request.label, source, this.options.sessionOptions, this.options.stats);
    if (!request.build) return open(request.file);
    const built = await request.build();
    if (built instanceof Uint8Array) return open(built);
    try {
      return await open(built.file);
    } finally {
      await built.cleanup();
    }
  }

  async acquire(request: SessionRequest): Promise<SessionLease> {
    let entry = this.entries.get(request.key);
    if (!entry) {
      const component = this.load(request);
      entry = { request, component, users: 0, lastUsed: 0 };
      this.entries.set(request.key, entry);
      const e = entry;
      e.component.catch(() => {
        if (this.entries.get(request.key) === e) this.entries.delete(request.key);
      });
    }
    entry.users++;
    entry.lastUsed = ++this.clock;
    let component: OnnxComponent;
    try {
      component = await entry.component;
    } catch (e) {
      entry.users--;
      throw e;
    }
    await this.evict();
    let released = false;
    const held = entry;
    return {
      component,
      release: () => {
        if (released) return;
        released = true;
        held.users--;
        held.lastUsed = ++this.clock;
        void this.evict();
      },
    };
  }

  /** Bytes of all cached sessions. */
  get bytes(): number {
    let total = 0;
    for (const e of this.entries.values()) total += e.request.bytes;
    return total;
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Catalogue ids of the models with at least one cached session, most recently used first. */
  heldModels(): string[] {
    const latest = new Map<string, number>();
    for (const e of this.entries.values()) latest.set(e.request.modelKey, Math.max(latest.get(e.request.modelKey) ?? 0, e.lastUsed));
    return [...latest].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  }

  /** Releases every session not in use. */
  async clear(): Promise<void> {
    await this.evictWhile(() => true);
  }

  private async evict(): Promise<void> {
    await this.evictWhile(() => this.bytes > this.options.memoryBudgetBytes);
  }

  private async evictWhile(over: () => boolean): Promise<void> {
    while (over()) {
      let victim: [string, Entry] | undefined;
      for (const kv of this.entries) {
        if (kv[1].users === 0 && (!victim || kv[1].lastUsed < victim[1].lastUsed)) victim = kv;
      }
      if (!victim) return;
      this.entries.delete(victim[0]);
      try {
        await (await victim[1].component).release();
      } catch {
        // A session that failed to load has nothing to release.
      }
    }
  }
}
