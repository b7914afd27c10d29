"""LSTM benchmark step in PyTorch (CPU), the counterpart of bench/lstm-step.ts.

A 2-layer bidirectional nn.LSTM (512 cells per direction) on 32 sequences of
50 frames of 40-dim features: forward + backward of sum(y^2)/size, no optimizer
update. Prints the median ms/step.
Usage: python3 torch_lstm_bench.py [--threads N] [--steps N]
"""
import argparse, statistics, time
import torch, torch.nn as nn

p = argparse.ArgumentParser()
for k, v in dict(layers=2, cells=512, B=32, T=50, F=40, steps=10, threads=2).items():
    p.add_argument(f"--{k}", type=int, default=v)
a = p.parse_args()
torch.manual_seed(1)
torch.set_num_threads(a.threads)
lstm = nn.LSTM(a.F, a.cells, num_layers=a.layers, bidirectional=True, batch_first=True)
x = torch.rand(a.B, a.T, a.F) * 2 - 1
times = []
for i in range(a.steps + 1):
    t = time.perf_counter()
    lstm.zero_grad()
    y, _ = lstm(x)
    (y.pow(2).sum() / y.numel()).backward()
    times.append(time.perf_counter() - t)
med = statistics.median(times[1:])
print(f"torch {torch.__version__} threads {a.threads}: median {med*1000:.1f} ms/step")
