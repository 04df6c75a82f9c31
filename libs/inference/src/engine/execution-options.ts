import type { InferenceSession } from 'onnxruntime-node';

export type ExecutionProviderName = 'cpu' | 'cuda' | 'webgpu';

export const EXECUTION_PROVIDERS: readonly ExecutionProviderName[] = ['cpu', 'cuda', 'webgpu'];

export interface ExecutionOptions {
  /** Where sessions run (default cpu). cuda needs CUDA 12 libraries on the machine; webgpu ships in the package. */
  executionProvider?: ExecutionProviderName;
  /** GPU index for cuda. */
  deviceId?: number;
  /** Threads inside one operator (0 or absent: ONNX Runtime picks, one per physical core). */
  intraOpThreads?: number;
  /** Threads across independent operators (only used with parallel execution; default 1). */
  interOpThreads?: number;
  /**
   * Let ONNX Runtime's threads spin-wait for work after a run (its own default) instead of sleeping. Off by
   * default: every session (UNet, VAE, text encoders) has its own thread pool, and threads spinning after the
   * UNet's last step took the cores from the VAE decode and the PNG encoding that follow (on 2 cores: VAE decode
   * 15.7–17.4 → 11–12 ms, PNG 14.8–18.1 → 10.8–11.6 ms, with no measurable change in the UNet's steps).
   */
  spinWait?: boolean;
}

/** ONNX Runtime session options for an execution configuration. GPU providers keep the CPU one as fallback. */
export function sessionOptions(o: ExecutionOptions = {}): InferenceSession.SessionOptions {
  const ep = o.executionProvider ?? 'cpu';
  if (!EXECUTION_PROVIDERS.includes(ep)) {
    throw new Error(`unknown execution provider "${ep}"; supported: ${EXECUTION_PROVIDERS.join(', ')}`);
  }
  const providers: InferenceSession.ExecutionProviderConfig[] =
    ep === 'cuda' ? [{ name: 'cuda', deviceId: o.deviceId ?? 0 }, 'cpu'] : ep === 'webgpu' ? ['webgpu', 'cpu'] : ['cpu'];
  const options: InferenceSession.SessionOptions = {
    executionProviders: providers,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
  if (o.intraOpThreads) options.intraOpNumThreads = o.intraOpThreads;
  if (o.interOpThreads) options.interOpNumThreads = o.interOpThreads;
  if (!o.spinWait) options.extra = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };
  return options;
}
