import type { InferenceSession } from 'onnxruntime-node';
import { sessionOptions } from './execution-options';
import { OnnxComponent, type RunStats } from './onnx-component';

/**
 * Sessions of the small helper models that are not part of a checkpoint (ControlNet preprocessors such as the line
 * detector, ADetailer's face detector): a few MB each, opened once per process on first use and kept, outside the
 * checkpoint session cache's budget. Concurrent first uses share one load; a failed load is forgotten.
 */
export class AuxiliarySessions {
  private readonly byFile = new Map<string, Promise<OnnxComponent>>();

  constructor(
    private readonly options: InferenceSession.SessionOptions = sessionOptions(),
    private readonly stats?: RunStats,
  ) {}

  get(file: string, label: string): Promise<OnnxComponent> {
    let session = this.byFile.get(file);
    if (!session) {
      session = OnnxComponent.open(label, file, this.options, this.stats);
      session.catch(() => this.byFile.delete(file));
      this.byFile.set(file, session);
    }
    return session;
  }

  async close(): Promise<void> {
    const all = [...this.byFile.values()];
    this.byFile.clear();
    await Promise.all(all.map((s) => s.then((c) => c.release()).catch(() => undefined)));
  }
}

let shared: AuxiliarySessions | undefined;

/** The process-wide instance (CPU execution: these models are small and run once per job). */
export function sharedAuxiliarySessions(): AuxiliarySessions {
  shared ??= new AuxiliarySessions();
  return shared;
}
