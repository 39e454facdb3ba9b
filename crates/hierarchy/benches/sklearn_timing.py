"""Times scikit-learn's AgglomerativeClustering on the shape of `benches/hierarchy.rs`.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python crates/hierarchy/benches/sklearn_timing.py

5,000 samples of 8 features around four centers in [-10, 10]^8, noise the sum of two uniforms
on [-1, 1] (the distribution of the Rust bench; the draws differ). Prints the best of five fits
per linkage (wall clock) and the mean CPU time of a fit, in seconds: on a shared machine the
CPU time moves less. scikit-learn (and SciPy under it) runs these on one thread.
"""

import time

import numpy as np
import scipy
import sklearn
from sklearn.cluster import AgglomerativeClustering

N, D, REPEATS = 5000, 8, 5


def blobs(n, d, seed=1):
    rng = np.random.default_rng(seed)
    c = rng.uniform(-10, 10, size=(4, d))
    noise = rng.uniform(-1, 1, size=(n, d)) + rng.uniform(-1, 1, size=(n, d))
    return c[np.arange(n) % 4] + noise


def main():
    X = blobs(N, D)
    print(f"scikit-learn {sklearn.__version__}, SciPy {scipy.__version__}, {N} x {D}")
    for linkage in ["ward", "average", "complete", "single"]:
        best = float("inf")
        cpu = time.process_time()
        for _ in range(REPEATS):
            t = time.perf_counter()
            AgglomerativeClustering(n_clusters=5, linkage=linkage).fit(X)
            best = min(best, time.perf_counter() - t)
        cpu = (time.process_time() - cpu) / REPEATS
        print(f"{linkage:9s} best {best:.4f} s  cpu/fit {cpu:.4f} s")


if __name__ == "__main__":
    main()
