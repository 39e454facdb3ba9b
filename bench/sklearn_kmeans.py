"""Times scikit-learn's KMeans on the data and initial centers clusterlab wrote.

    python bench/sklearn_kmeans.py X.npy centers.npy ALGORITHM THREADS REPEATS MAX_ITER

Fits `KMeans(init=centers, n_init=1, max_iter=MAX_ITER, tol=0, algorithm=ALGORITHM)` under
threadpoolctl limits of THREADS (OpenMP and BLAS), REPEATS times, and prints one JSON object
as its last line: the minimum wall time of a fit, n_iter and inertia.
"""

import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits


def main():
    x_path, c_path, algorithm, threads, repeats, max_iter = sys.argv[1:7]
    threads, repeats, max_iter = int(threads), int(repeats), int(max_iter)
    X = np.load(x_path)
    centers = np.load(c_path)
    best = float("inf")
    km = None
    with threadpool_limits(limits=threads):
        for _ in range(max(repeats, 1)):
            km = KMeans(
                n_clusters=centers.shape[0],
                init=centers,
                n_init=1,
                max_iter=max_iter,
                tol=0.0,
                algorithm=algorithm,
            )
            t = time.perf_counter()
            km.fit(X)
            best = min(best, time.perf_counter() - t)
    print(
        json.dumps(
            {
                "seconds": best,
                "n_iter": int(km.n_iter_),
                "inertia": float(km.inertia_),
                "sklearn_version": sklearn.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
