import type { DownloadProgress, OnDownload } from '../local/artifacts';

const LABEL = { kafka: 'Kafka', registry: 'Apicurio Registry' } as const;
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

/** "downloading Kafka 4.2.0 from Maven Central: 12.3 of 44.9 MB (23 of 46 files)". */
export function downloadLine(p: DownloadProgress): string {
  const what = `${LABEL[p.service]} ${p.version}`;
  if (p.done) return `downloaded ${what}: ${mb(p.bytes)} MB${p.bytes === 0 ? ' (all in the Maven cache already)' : ''}`;
  const size = p.totalBytes === undefined ? `${mb(p.bytes)} MB` : `${mb(p.bytes)} of ${mb(p.totalBytes)} MB`;
  return `downloading ${what} from Maven Central (first start only): ${size} (${p.files} of ${p.totalFiles} files)`;
}

/**
 * Plain progress lines for a log or a pipe: the first, then at most one every `everyMs`, and the
 * last. A terminal display draws every update in place instead.
 */
export function plainDownloadProgress(print: (line: string) => void, everyMs = 3_000): OnDownload {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (!p.done && p.files > 0 && now - last < everyMs) return;
    last = now;
    print(downloadLine(p));
  };
}
