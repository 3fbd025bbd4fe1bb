#!/usr/bin/env python3
"""DEAP anchor for bench:moo: DEAP's standard NSGA-II example (examples/ga/nsga2.py) on ZDT1-3 and DTLZ2.

selNSGA2 survival, selTournamentDCD parent selection, cxSimulatedBinaryBounded (eta 20, crossover
probability 0.9), mutPolynomialBounded (eta 20, indpb 1/n). Budget: a random population of MU, then
GENERATIONS - 1 offspring generations of MU (MU * GENERATIONS evaluations), as in the example's loop.

Prints one JSON object on stdout: the DEAP version, the time from interpreter start to the first run, and per
(problem, seed) the optimisation wall time (population creation to last selection, evaluations included), DEAP's
own hypervolume of the final population, and that population's objective vectors, so the caller can measure
them with its own hypervolume code.

Usage: deap_moo.py --problems zdt1,zdt2,zdt3,dtlz2 --seeds 0,1,2,3,4 --mu 100 --generations 100
"""
import time

T_START = time.perf_counter()

import argparse
import json
import random
import sys

import deap
from deap import base, benchmarks, creator, tools
from deap.benchmarks.tools import hypervolume

PROBLEMS = {
    # name: (evaluate, number of variables, number of objectives, reference point)
    "zdt1": (benchmarks.zdt1, 30, 2, [1.1, 1.1]),
    "zdt2": (benchmarks.zdt2, 30, 2, [1.1, 1.1]),
    "zdt3": (benchmarks.zdt3, 30, 2, [1.1, 1.1]),
    "dtlz2": (lambda ind: benchmarks.dtlz2(ind, 3), 12, 3, [1.1, 1.1, 1.1]),
}


def run(name, seed, mu, generations, cxpb=0.9):
    evaluate, ndim, nobj, ref = PROBLEMS[name]
    fitness_name = "FitnessMin%d" % nobj
    if not hasattr(creator, fitness_name):
        creator.create(fitness_name, base.Fitness, weights=(-1.0,) * nobj)
        creator.create("Individual%d" % nobj, list, fitness=getattr(creator, fitness_name))
    individual = getattr(creator, "Individual%d" % nobj)
    low, up = 0.0, 1.0

    toolbox = base.Toolbox()
    toolbox.register("attr_float", lambda: [random.uniform(low, up) for _ in range(ndim)])
    toolbox.register("individual", tools.initIterate, individual, toolbox.attr_float)
    toolbox.register("population", tools.initRepeat, list, toolbox.individual)
    toolbox.register("evaluate", evaluate)
    toolbox.register("mate", tools.cxSimulatedBinaryBounded, low=low, up=up, eta=20.0)
    toolbox.register("mutate", tools.mutPolynomialBounded, low=low, up=up, eta=20.0, indpb=1.0 / ndim)
    toolbox.register("select", tools.selNSGA2)

    random.seed(seed)
    t0 = time.perf_counter()
    evaluations = 0
    pop = toolbox.population(n=mu)
    for ind in pop:
        ind.fitness.values = toolbox.evaluate(ind)
        evaluations += 1
    pop = toolbox.select(pop, len(pop))  # assigns crowding distance
    for _gen in range(1, generations):
        offspring = tools.selTournamentDCD(pop, len(pop))
        offspring = [toolbox.clone(ind) for ind in offspring]
        for ind1, ind2 in zip(offspring[::2], offspring[1::2]):
            if random.random() <= cxpb:
                toolbox.mate(ind1, ind2)
            toolbox.mutate(ind1)
            toolbox.mutate(ind2)
            del ind1.fitness.values, ind2.fitness.values
        for ind in offspring:
            if not ind.fitness.valid:
                ind.fitness.values = toolbox.evaluate(ind)
                evaluations += 1
        pop = toolbox.select(pop + offspring, mu)
    elapsed = time.perf_counter() - t0
    return {
        "problem": name,
        "seed": seed,
        "evaluations": evaluations,
        "time_ms": elapsed * 1000.0,
        "hv_deap": hypervolume(pop, ref),
        "population": [list(ind.fitness.values) for ind in pop],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--problems", default="zdt1,zdt2,zdt3,dtlz2")
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--mu", type=int, default=100)
    ap.add_argument("--generations", type=int, default=100)
    a = ap.parse_args()
    startup_ms = (time.perf_counter() - T_START) * 1000.0
    runs = []
    for name in a.problems.split(","):
        if name not in PROBLEMS:
            sys.exit("unknown problem %r" % name)
        for seed in (int(s) for s in a.seeds.split(",")):
            runs.append(run(name, seed, a.mu, a.generations))
    json.dump({"deap_version": deap.__version__, "python": sys.version.split()[0], "startup_ms": startup_ms, "runs": runs}, sys.stdout)


if __name__ == "__main__":
    main()
