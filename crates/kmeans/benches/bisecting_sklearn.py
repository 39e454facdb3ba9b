"""scikit-learn's BisectingKMeans on the points of `benches/bisecting.rs`: 100 000 x 16 in 16
blobs, K = 16, default parameters, one thread. Run in the same session as the Rust bench:

    OMP_NUM_THREADS=1 python crates/kmeans/benches/bisecting_sklearn.py

Prints the best and median of the fit times for a few seeds, the mean CPU time per fit (the
work, without the waiting a busy machine adds to wall-clock times), and (from a separate, counted run)
the 2-means iterations each fit made, since random seeding makes the work vary between seeds.
"""

import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.cluster import BisectingKMeans  # noqa: E402
from sklearn.cluster import _bisect_k_means as bk  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

M64 = (1 << 64) - 1


def splitmix(z):
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & M64
    z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & M64
    return z ^ (z >> np.uint64(31))


def unit(stream, i):
    with np.errstate(over="ignore"):
        z = splitmix(np.uint64(stream << 40) + np.asarray(i, dtype=np.uint64))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def blobs(n, d, k):
    c = 20.0 * unit(1, np.arange(k * d)).reshape(k, d) - 10.0
    noise = 6.0 * unit(2, np.arange(n * d)).reshape(n, d) - 3.0
    return c[np.arange(n) % k] + noise


def main():
    n, d, k = 100_000, 16, 16
    X = blobs(n, d, k)
    print(f"scikit-learn {sklearn.__version__}, X[0, :3] = {X[0, :3]}")
    with threadpool_limits(1):
        for seed in [0, 1]:
            times, cpu = [], []
            for _ in range(10):
                t, c = time.perf_counter(), time.process_time()
                m = BisectingKMeans(n_clusters=k, random_state=seed).fit(X)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            iters = []
            orig = bk._BisectingTree.split
            single = m._kmeans_single

            def counting(*a, **kw):
                out = single(*a, **kw)
                iters.append(out[3])
                return out

            # Count the iterations of each 2-means run in one more, untimed fit.
            BisectingKMeans._kmeans_single = property(lambda self: counting, lambda s, v: None)
            try:
                m2 = BisectingKMeans(n_clusters=k, random_state=seed).fit(X)
            finally:
                del BisectingKMeans._kmeans_single
                bk._BisectingTree.split = orig
            print(
                f"seed {seed}: best {min(times):.4f} s, median {np.median(times):.4f} s, "
                f"CPU time per fit {np.mean(cpu):.4f} s, "
                f"{sum(iters)} 2-means iterations in all, inertia {m2.inertia_:.6e}"
            )


if __name__ == "__main__":
    main()
