"""Optuna's multivariate TPE on the nb201 table, the anchor of bench:bo.

Reads data/nb201/nb201-cifar10-fpga.csv (ops "a-b-c-d-e-f" -> test accuracy, FPGA latency), runs
TPESampler(multivariate=True, seed=s) on the two objectives (error %, latency ms; both minimised) with six
categorical parameters, and prints one JSON object: per seed the evaluated points in order and the wall time of
the optimisation (interpreter start-up excluded). Hypervolume is computed by the caller with its own code.
"""
import argparse
import csv
import json
import sys
import time

import optuna

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--seeds", required=True)
    ap.add_argument("--trials", type=int, required=True)
    a = ap.parse_args()
    table = {}
    with open(a.csv) as f:
        for row in csv.DictReader(f):
            table[tuple(int(x) for x in row["ops"].split("-"))] = (100 - float(row["cifar10_test_acc"]), float(row["fpga_latency_ms"]))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    runs = []
    for seed in [int(s) for s in a.seeds.split(",")]:
        def objective(trial):
            ops = tuple(OPS.index(trial.suggest_categorical(f"e{i}", OPS)) for i in range(6))
            return table[ops]

        sampler = optuna.samplers.TPESampler(multivariate=True, seed=seed)
        study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
        t0 = time.perf_counter()
        study.optimize(objective, n_trials=a.trials)
        ms = (time.perf_counter() - t0) * 1000
        runs.append({"seed": seed, "time_ms": ms, "points": [list(t.values) for t in study.trials]})
    json.dump({"optuna_version": optuna.__version__, "python": sys.version.split()[0], "runs": runs}, sys.stdout)


if __name__ == "__main__":
    main()
