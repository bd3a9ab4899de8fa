/**
 * Devices against a cloud under load (bench/cloud/load.bench.ts): `n` HttpClouds with their defaults (as
 * `splitee run` builds them: nodeFetch, 3 attempts, backoff with jitter honouring Retry-After, circuit
 * breaker after 5 failed calls for 10 s), each sending samples back to back for `seconds`. A call that
 * fails after its retries, or is refused by the open breaker, is a fallback: the device finishes the
 * sample locally, which is modelled as `localMs` of waiting. Every sample is counted once: offloaded,
 * fallen back, or lost (neither; the target is 0).
 */
import { HttpCloud, CloudError } from '../../src/splitee/transport.js';
import { nodeFetch } from '../../src/node/http-fetch.js';

export interface DeviceRow {
  devices: number;
  samples: number;
  offloads: number;
  fallbacks: number;
  /** Fallbacks by CloudError kind (http = 503s past the retries, circuit-open = breaker). */
  kinds: Record<string, number>;
  lost: number;
  /** Latency of offloaded samples (first attempt to answer, retries included), ms. */
  p50: number;
  p99: number;
}

const quantile = (sorted: number[], q: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);

export async function devices(url: string, model: string, body: Uint8Array, n: number, seconds: number, localMs: number): Promise<DeviceRow> {
  const end = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  const row: DeviceRow = { devices: n, samples: 0, offloads: 0, fallbacks: 0, kinds: {}, lost: 0, p50: 0, p99: 0 };
  const device = async (): Promise<void> => {
    const cloud = new HttpCloud({ baseUrl: url, fetch: nodeFetch });
    while (performance.now() < end) {
      row.samples++;
      const t0 = performance.now();
      try {
        await cloud.resume(model, body);
        row.offloads++;
        latencies.push(performance.now() - t0);
      } catch (e) {
        if (!(e instanceof CloudError)) throw e;
        row.fallbacks++;
        const kind = e.status === null ? e.kind : `${e.kind} ${e.status}`;
        row.kinds[kind] = (row.kinds[kind] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, localMs));
      }
    }
  };
  await Promise.all(Array.from({ length: n }, device));
  row.lost = row.samples - row.offloads - row.fallbacks;
  latencies.sort((a, b) => a - b);
  row.p50 = Math.round(quantile(latencies, 0.5));
  row.p99 = Math.round(quantile(latencies, 0.99));
  return row;
}
