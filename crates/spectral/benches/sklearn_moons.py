"""Times scikit-learn's SpectralClustering on make_moons(N, noise=0.05, random_state=0) on one
thread, for both affinities and every assign_labels: the counterpart of `cargo run --release
-p clusterlab-spectral --example time_fit -- N 1 REPEATS`. Run both in the same session:

    python crates/spectral/benches/sklearn_moons.py [N] [REPEATS]
"""

import sys
import time
import warnings

import sklearn
from sklearn.cluster import SpectralClustering
from sklearn.datasets import make_moons
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
X, y = make_moons(n, noise=0.05, random_state=0)
print(f"scikit-learn {sklearn.__version__}")
with threadpool_limits(1), warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for affinity in ["nearest_neighbors", "rbf"]:
        for assign in ["kmeans", "discretize", "cluster_qr"]:
            best = float("inf")
            for _ in range(repeats):
                sc = SpectralClustering(2, affinity=affinity, assign_labels=assign, random_state=0)
                t = time.perf_counter()
                sc.fit(X)
                best = min(best, time.perf_counter() - t)
            ari = adjusted_rand_score(y, sc.labels_)
            print(f"{affinity} {assign} n={n} threads=1: min {best:.4f} s, ARI {ari:.4f}")
