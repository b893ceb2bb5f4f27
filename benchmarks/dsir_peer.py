"""DSIR (PyPI `data-selection`) on one core: fit + importance weights; run in its own venv.

    .venv-bench/bin/python benchmarks/dsir_peer.py RAW.jsonl TARGET.jsonl OUT_DIR BUCKETS REPEATS

Prints one JSON line: seconds of the fit and of each weights pass; writes weights.npy
(log importance weight per raw document, in file order) and n_features.npy to OUT_DIR.
"""

import json
import sys
import time

import numpy as np
from data_selection import HashedNgramDSIR


def main() -> None:
    raw, target, out, buckets, repeats = sys.argv[1:6]
    dsir = HashedNgramDSIR([raw], [target], cache_dir=out, num_proc=1, num_buckets=int(buckets))
    started = time.perf_counter()
    dsir.fit_importance_estimator(num_tokens_to_fit="all")
    fit = time.perf_counter() - started
    passes = []
    for _ in range(int(repeats)):
        started = time.perf_counter()
        dsir.compute_importance_weights()
        passes.append(time.perf_counter() - started)
    weights = np.load(f"{dsir.log_importance_weights_dir}/0.npy")
    np.save(f"{out}/weights.npy", weights)
    # DSIR's own feature count per document: unigrams + bigrams in its buckets
    with open(raw) as f:
        n = [dsir.featurizer(json.loads(line)["text"]).sum() for line in f]
    np.save(f"{out}/n_features.npy", np.asarray(n))
    print(json.dumps({"fit_s": fit, "weights_s": passes}))


if __name__ == "__main__":
    main()
