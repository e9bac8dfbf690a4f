/**
 * How a production worker process starts (the Dockerfile's CMD and ENV, docker-compose.yml's workers, the
 * worker-footprint bench), kept here so that a test holds the three to the same values.
 *
 * An extraction allocates fast and keeps little (a page in flight, two S3 parts). By default V8 lets the old
 * generation grow to several times what survived the last full collection while allocation is fast, and keeps a
 * 16 MB semi-space young generation: a 1M-record extraction took a worker from about 205 MB to 420 MB resident.
 * A fixed 20% growth past the survivors and 8 MB semi-spaces keep it near 215 MB at the same speed (measured with
 * `npm run bench -- worker-footprint`); there is no hard heap cap, so a larger working set still fits.
 */
export const WORKER_NODE_ARGS = ['--max-semi-space-size=8', '--heap-growing-percent=20'] as const;

/**
 * glibc gives each thread that allocates its own malloc arena, and the worker has many (Temporal's core, libuv, the
 * workflow thread, V8's helpers): two arenas cut about 15 MB of idle memory that the arenas held and did not use.
 */
export const WORKER_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/** The compiled worker's command line, as the image runs it. */
export const COMPILED_WORKER_COMMAND = ['node', ...WORKER_NODE_ARGS, 'dist/workers/main.js'] as const;
