#!/usr/bin/python3
"""PyTorch (CPU) anchor for bench/train.ts: the same networks, data, optimiser and thread count as hwnas.

Networks: Conv(KxK, 'same', bias) -> ReLU [-> MaxPool 2x2/2] ... -> Flatten -> Linear(10); Xavier-uniform
weights, zero biases (as hwnas); Adam, batch 64, images in [0, 1].

Prints one JSON object on stdout:
  --mode speed:    {"images_per_second": ..., "steps": ..., "threads": ...}
  --mode accuracy: {"test_accuracy": [per epoch], "train_loss": [per epoch], "images_per_second": ...}
"""
import argparse
import gzip
import json
import os
import resource
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn


def read_idx(path):
    with open(path, 'rb') as f:
        data = f.read()
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    rank = data[3]
    dims = struct.unpack('>' + 'I' * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load_mnist(d):
    xtr = read_idx(os.path.join(d, 'train-images-idx3-ubyte'))[:, None, :, :]
    ytr = read_idx(os.path.join(d, 'train-labels-idx1-ubyte'))
    xte = read_idx(os.path.join(d, 't10k-images-idx3-ubyte'))[:, None, :, :]
    yte = read_idx(os.path.join(d, 't10k-labels-idx1-ubyte'))
    return xtr, ytr, xte, yte


def load_cifar(d):
    def batch(name):
        raw = np.fromfile(os.path.join(d, name), dtype=np.uint8).reshape(-1, 3073)
        return raw[:, 1:].reshape(-1, 3, 32, 32), raw[:, 0]
    parts = [batch('data_batch_%d.bin' % i) for i in range(1, 6)]
    xtr = np.concatenate([p[0] for p in parts])
    ytr = np.concatenate([p[1] for p in parts])
    xte, yte = batch('test_batch.bin')
    return xtr, ytr, xte, yte


def build(layers, in_shape, classes):
    """layers: list of [filters, kernel, pool]."""
    mods = []
    c, h, w = in_shape
    for filters, kernel, pool in layers:
        mods += [nn.Conv2d(c, filters, kernel, padding='same'), nn.ReLU()]
        c = filters
        if pool and h >= 2 and w >= 2:
            mods.append(nn.MaxPool2d(2))
            h, w = h // 2, w // 2
    mods += [nn.Flatten(), nn.Linear(c * h * w, classes)]
    net = nn.Sequential(*mods)
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return net


def accuracy(net, x, y, batch=256):
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb = torch.from_numpy(x[i:i + batch].astype(np.float32) / 255.0)
            correct += (net(xb).argmax(1).numpy() == y[i:i + batch]).sum()
    net.train()
    return float(correct) / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--dataset', choices=['mnist', 'cifar10'], required=True)
    p.add_argument('--data-dir', required=True)
    p.add_argument('--layers', required=True, help='JSON list of [filters, kernel, pool]')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--mode', choices=['speed', 'accuracy'], default='speed')
    p.add_argument('--steps', type=int, default=60)
    p.add_argument('--epochs', type=int, default=1)
    p.add_argument('--train-images', type=int, default=0, help='0 = all')
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    xtr, ytr, xte, yte = (load_mnist if a.dataset == 'mnist' else load_cifar)(a.data_dir)
    if a.train_images:
        keep = rng.permutation(len(xtr))[:a.train_images]
        xtr, ytr = xtr[keep], ytr[keep]
    net = build(json.loads(a.layers), xtr.shape[1:], 10)
    opt = torch.optim.Adam(net.parameters(), lr=a.lr)
    loss_fn = nn.CrossEntropyLoss()
    xtr_t = torch.from_numpy(np.array(xtr, copy=True))
    ytr_t = torch.from_numpy(ytr.astype(np.int64))

    def step(idx):
        xb = xtr_t[idx].float().div_(255.0)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(xb), ytr_t[idx])
        loss.backward()
        opt.step()
        return loss.item()

    out = {'threads': torch.get_num_threads(), 'torch': torch.__version__}
    if a.mode == 'speed':
        order = torch.from_numpy(rng.permutation(len(xtr)))
        nb = len(xtr) // a.batch
        for i in range(5):  # warm-up
            step(order[(i % nb) * a.batch:(i % nb + 1) * a.batch])
        c0 = time.process_time()
        t0 = time.perf_counter()
        for i in range(a.steps):
            j = (i + 5) % nb
            step(order[j * a.batch:(j + 1) * a.batch])
        dt = time.perf_counter() - t0
        # Process CPU time (all threads): the rate with other jobs' share of the cores taken out.
        cpu = time.process_time() - c0
        out.update(images_per_second=a.steps * a.batch / dt, images_per_cpu_second=a.steps * a.batch / cpu, steps=a.steps, batch=a.batch)
    else:
        accs, losses, ips = [], [], []
        for e in range(a.epochs):
            order = torch.from_numpy(rng.permutation(len(xtr)))
            total, seen = 0.0, 0
            t0 = time.perf_counter()
            for i in range(0, len(xtr), a.batch):
                idx = order[i:i + a.batch]
                total += step(idx) * len(idx)
                seen += len(idx)
            ips.append(seen / (time.perf_counter() - t0))
            losses.append(total / seen)
            accs.append(accuracy(net, xte, yte))
        out.update(test_accuracy=accs, train_loss=losses, images_per_second=sum(ips) / len(ips), train_images=len(xtr))
    out['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    json.dump(out, sys.stdout)
    print()


if __name__ == '__main__':
    main()
