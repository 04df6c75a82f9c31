import { ApiError } from './api-client';
import type { ApiErrorDetail, ModelUploadTarget } from './api-types';

export interface UploadProgress {
  file: string;
  /** Bytes of every file sent so far, and of them all. */
  sent: number;
  total: number;
}

/** One PUT with upload progress (fetch reports none); the URL's signature is the credential. */
function putFile(target: ModelUploadTarget, file: File, onProgress: (loaded: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', target.putUrl);
    for (const [name, value] of Object.entries(target.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      let body: { message?: string; details?: ApiErrorDetail[] } = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: keep the status
      }
      reject(new ApiError(xhr.status, `${target.path}: ${body.message || `the server answered ${xhr.status}`}`, body.details ?? []));
    };
    xhr.onerror = () => reject(new ApiError(0, `${target.path}: the upload was interrupted. Check your connection and try again.`));
    xhr.send(file);
  });
}

/** Sends each file of an upload to its signed URL, one after another, reporting the bytes sent. */
export async function uploadFiles(targets: ModelUploadTarget[], files: Map<string, File>, onProgress: (p: UploadProgress) => void): Promise<void> {
  const total = targets.reduce((a, t) => a + t.bytes, 0);
  let done = 0;
  for (const target of targets) {
    const file = files.get(target.path);
    if (!file) throw new ApiError(0, `${target.path} was not picked`);
    onProgress({ file: target.path, sent: done, total });
    await putFile(target, file, (loaded) => onProgress({ file: target.path, sent: done + loaded, total }));
    done += target.bytes;
  }
  onProgress({ file: '', sent: total, total });
}
