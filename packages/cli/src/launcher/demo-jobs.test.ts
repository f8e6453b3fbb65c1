import { describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_JOBS, DEMO_FAULTS, demoBatchName, demoJobFile, demoJobs } from './demo-jobs.ts';

const base = 'http://127.0.0.1:8080';

describe('demoJobs', () => {
  it('gives the default batch: 24 distinct demo API URLs, every fault among them, pages and records', () => {
    const jobs = demoJobs(`${base}/`);
    expect(jobs).toHaveLength(DEFAULT_DEMO_JOBS);
    expect(new Set(jobs.map((job) => job.url)).size).toBe(jobs.length);
    for (const job of jobs)
      expect(job.url.startsWith(`${base}/pages/`) || job.url.startsWith(`${base}/records/`)).toBe(true);
    for (const fault of DEMO_FAULTS)
      expect(jobs.some((job) => job.url.endsWith(`?${fault.query}`))).toBe(true);
    const plain = jobs.filter((job) => !job.url.includes('?'));
    expect(plain.some((job) => job.url.includes('/pages/'))).toBe(true);
    expect(plain.some((job) => job.url.includes('/records/'))).toBe(true);
  });

  it('includes the faults that show retries, a 429 with Retry-After, a 404 and a corrupted body', () => {
    const urls = demoJobs(base).map((job) => job.url);
    expect(urls).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\?failFirst=2$/),
        expect.stringMatching(/failStatus=429&retryAfter=2$/),
        expect.stringMatching(/\?status=404$/),
        expect.stringMatching(/\/records\/\d+\?corrupt=1$/),
      ]),
    );
  });

  it.each([1, 2, 5, 18, 19, 100, 1000])(
    'makes %i jobs, at most a third of them faults, spread out',
    (count) => {
      const jobs = demoJobs(base, count);
      expect(jobs).toHaveLength(count);
      const faults = jobs.filter((job) => job.url.includes('?')).length;
      expect(faults).toBe(Math.min(DEMO_FAULTS.length, Math.ceil(count / 3)));
      expect(new Set(jobs.map((job) => job.url)).size).toBe(count);
    },
  );

  it('is deterministic: job n asks for id n', () => {
    const jobs = demoJobs(base, 6);
    expect(jobs).toEqual(demoJobs(base, 6));
    jobs.forEach((job, index) => {
      expect(new URL(job.url).pathname.endsWith(`/${index + 1}`)).toBe(true);
    });
  });

  it('refuses an empty batch', () => {
    expect(() => demoJobs(base, 0)).toThrow(RangeError);
  });
});

describe('demoJobFile', () => {
  it('writes one FetchJob a line', () => {
    const jobs = demoJobs(base, 2);
    expect(demoJobFile(jobs)).toBe(jobs.map((job) => `{"url":"${job.url}"}\n`).join(''));
  });
});

describe('demoBatchName', () => {
  it('names the batch by the UTC time, as a valid batch id', () => {
    const name = demoBatchName(new Date(Date.UTC(2025, 0, 7, 9, 35, 12)));
    expect(name).toBe('demo-20250107-093512');
    expect(name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/);
  });
});
