"""scikit-learn's silhouette_score timed on the data `clusterlab bench metrics` wrote.

Usage: sklearn_metrics.py DIR --threads 1,2 --repeats 3

DIR holds x.npy (n x d, float64) and labels.npy (n x 1, float64 holding integers). For each
thread count, BLAS and OpenMP are limited with threadpoolctl and the minimum wall time of
`repeats` calls is kept. The last line of output is one JSON object:
{"sklearn": version, "silhouette": value, "seconds": {"1": s, "2": s}}.
"""

import argparse
import json
import pathlib
import time

import numpy as np
import sklearn
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir", type=pathlib.Path)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    x = np.load(a.dir / "x.npy")
    labels = np.load(a.dir / "labels.npy").ravel().astype(np.int64)
    seconds, value = {}, None
    for t in [int(s) for s in a.threads.split(",")]:
        with threadpool_limits(limits=t):
            best = float("inf")
            for _ in range(max(1, a.repeats)):
                start = time.perf_counter()
                value = float(silhouette_score(x, labels))
                best = min(best, time.perf_counter() - start)
        seconds[str(t)] = best
    print(json.dumps({"sklearn": sklearn.__version__, "silhouette": value, "seconds": seconds}))


if __name__ == "__main__":
    main()
