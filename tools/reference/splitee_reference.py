#!/usr/bin/env python3
"""Independent re-implementation of the published SplitEE bandit scripts (Div290/SplitEE@a866714,
splitee.py and splitee_s.py), used to write the fixture that pins `--compat reference`.

It keeps the scripts' arithmetic exactly (Python floats, numpy's log and sqrt, the same operation
order) but reads our trace CSV and takes the rows in file order (the scripts shuffle with an unseeded
`df.sample(frac=1)`, which no other implementation can reproduce). Generalized from 12 arms to L.

    /usr/bin/python3 tools/reference/splitee_reference.py > test/splitee/fixtures/reference-expected.json
"""
import csv
import json
import sys

import numpy as np

FIXTURES = 'test/splitee/fixtures'
TRACES = ['reference-l4.csv', 'reference-l12.csv']
# (alpha, lambda, o): the paper's lambda and thresholds, a low and a high offload cost.
CONFIGS = [(0.7, 0.1, 0.5), (0.75, 0.1, 0.1), (0.85, 0.1, 0.3), (0.6, 0.05, 0.6)]


def read_trace(path):
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    L = (len(rows[0]) - 1) // 2
    conf = [[float(r[2 * k]) for k in range(L)] for r in rows[1:]]
    pred = [[int(r[2 * k + 1]) for k in range(L)] for r in rows[1:]]
    label = [int(r[-1]) for r in rows[1:]]
    return L, conf, pred, label


def reward(c, L, a, alpha, lam, o):
    """r(a; x) for a 0-based arm, as the scripts write it."""
    if a < L - 1:
        if c[a] >= alpha:
            return c[a] - lam * ((a + 1))
        return c[L - 1] - o - lam * ((a + 1))
    return c[a] - lam * ((a + 1))


def cost(c, L, a, alpha, lam, o, script):
    """(cost, offloaded) of the played arm."""
    offloaded = a < L - 1 and not c[a] >= alpha
    if script == 'splitee.py':
        return (o + 0.8 * lam * ((a)) + lam if offloaded else 0.8 * lam * ((a)) + lam), offloaded
    return (o + lam * ((a + 1)) if offloaded else lam * ((a + 1))), offloaded


def run(L, conf, pred, label, alpha, lam, o, script):
    n = len(conf)
    S = []
    N = [0] * L
    for a in range(L):
        S.append(reward(conf[a], L, a, alpha, lam, o))
        N[a] += 1
    total = 0
    correct = 0
    offloads = 0
    decisions = []
    for trial in range(n):
        best, best_v = -1, -float('inf')
        for a in range(L):
            v = S[a] / N[a] + 1 * np.sqrt(np.log(trial + 1) / N[a])
            if v > best_v:
                best, best_v = a, v
        c = conf[trial]
        if script == 'splitee_s.py':
            for j in range(best):
                S[j] += reward(c, L, j, alpha, lam, o)
                N[j] += 1
        S[best] += reward(c, L, best, alpha, lam, o)
        N[best] += 1
        k, off = cost(c, L, best, alpha, lam, o, script)
        total += k
        offloads += off
        y = pred[trial][best] if (best < L - 1 and not off) else pred[trial][L - 1]
        correct += y == label[trial]
        decisions.append(best)
    return {
        'decisions': decisions,
        'rewardSums': [float(s) for s in S],
        'counts': N,
        'accuracy': correct / n,
        'costPerSample': total / n,
        'offloadFraction': offloads / n,
    }


def main():
    out = {'source': 'tools/reference/splitee_reference.py', 'numpy': np.__version__, 'cases': []}
    for name in TRACES:
        L, conf, pred, label = read_trace(f'{FIXTURES}/{name}')
        for alpha, lam, o in CONFIGS:
            for script in ['splitee.py', 'splitee_s.py']:
                r = run(L, conf, pred, label, alpha, lam, o, script)
                out['cases'].append({'trace': name, 'script': script, 'alpha': alpha, 'lambda': lam, 'offload': o, **r})
    json.dump(out, sys.stdout, indent=None)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
