#!/usr/bin/python3
"""Seconds per epoch of the Fashion-MNIST MLP of examples/fashion_mnist in PyTorch (Debian's python3-torch, the
same LibTorch as the C++ rows): 784-256-256-10 ReLU, Xavier (Glorot uniform) weights, zero bias, softmax
cross-entropy, Adam lr 0.001, batch 128, 55000 training images (5000 held out, as the example does), a seeded
shuffle per epoch. Reads the real IDX files when they are there, else random pixels of the same shape (the time
does not depend on the values). Usage: fashion_epoch_pytorch.py [epochs] [threads]
Unset OPENBLAS_CORETYPE first so that OpenBLAS picks its kernel for this CPU."""
import gzip
import os
import sys
import time

import torch

epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
torch.set_num_threads(threads)
torch.manual_seed(1)

path = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
if os.path.exists(path):
    with gzip.open(path, "rb") as f:
        data = f.read()[16:]
    images = torch.frombuffer(bytearray(data), dtype=torch.uint8).reshape(60000, 784).float() / 255.0
    with gzip.open(path.replace("images-idx3", "labels-idx1"), "rb") as f:
        labels = torch.frombuffer(bytearray(f.read()[8:]), dtype=torch.uint8).long()
else:
    images = torch.rand(60000, 784)
    labels = torch.randint(0, 10, (60000,))
images, labels = images[:55000].contiguous(), labels[:55000].contiguous()

model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
for m in model:
    if isinstance(m, torch.nn.Linear):
        torch.nn.init.xavier_uniform_(m.weight)
        torch.nn.init.zeros_(m.bias)
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
loss_fn = torch.nn.CrossEntropyLoss()
batch = 128
for epoch in range(epochs):
    start = time.perf_counter()
    order = torch.randperm(images.shape[0])
    for first in range(0, images.shape[0] - batch + 1, batch):
        index = order[first:first + batch]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(images[index]), labels[index])
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch + 1}: {time.perf_counter() - start:.3f} s, last loss {loss.item():.4f}")
