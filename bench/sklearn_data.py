"""Times scikit-learn's make_blobs, and NumPy's legacy normal stream, for `clusterlab bench data`.

    python bench/sklearn_data.py N D CENTERS SEED REPEATS [X_NUMPY.npy]

Times `make_blobs(n_samples=N, n_features=D, centers=CENTERS, random_state=SEED)` and
`RandomState(SEED).normal(size=(N, D))` (the bare stream) under threadpoolctl limits of one thread
(both are sequential anyway), REPEATS times each, minimum reported. When X_NUMPY.npy is given (the
samples clusterlab generated with `rng = "numpy"` and the same parameters), also reports whether
they equal scikit-learn's bit for bit. Prints one JSON object as its last line.
"""

import json
import sys
import time

import numpy as np
import sklearn
from sklearn.datasets import make_blobs
from threadpoolctl import threadpool_limits


def best_of(repeats, f):
    best = float("inf")
    out = None
    for _ in range(max(repeats, 1)):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    n, d, centers, seed, repeats = (int(a) for a in sys.argv[1:6])
    x_numpy = sys.argv[6] if len(sys.argv) > 6 else None
    with threadpool_limits(limits=1):
        blobs_s, (X, _y) = best_of(
            repeats, lambda: make_blobs(n_samples=n, n_features=d, centers=centers, random_state=seed)
        )
        normal_s, _ = best_of(repeats, lambda: np.random.RandomState(seed).normal(size=(n, d)))
    out = {
        "make_blobs_seconds": blobs_s,
        "normal_seconds": normal_s,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
    }
    if x_numpy is not None:
        ours = np.load(x_numpy)
        out["identical"] = bool(ours.shape == X.shape and np.array_equal(ours.view(np.uint64), X.view(np.uint64)))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
